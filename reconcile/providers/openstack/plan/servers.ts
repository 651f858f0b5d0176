import type { DesiredState, HostSpec, InstanceSpec } from "../../../config/types.js";
import type { Diagnostic } from "../../../diagnostics.js";
import type { Remark } from "../../../model.js";
import type { OpenStackChange } from "../steps-model.js";
import type { GlanceImage, NovaServer } from "../cloud.js";
import { MARK, encodeBoot, truthy } from "../markers.js";
import { lostDomain } from "./lost-domain.js";
import { bootProperties } from "./snapshot-step.js";
import { whyUnchecked } from "./unchecked-quiesce.js";
import type { OpenStackFacts } from "../observe.js";
import { imageAddress, serverAddress } from "./addresses.js";
import type { GlancePlan } from "./glance-images.js";

/** What planning one declared server gave; `server` is the Nova server when there is exactly one. */
export interface ServerPlan {
  changes: OpenStackChange[];
  remarks: Remark[];
  diagnostics: Diagnostic[];
  server?: NovaServer;
}

/**
 * Plans one declared instance on an OpenStack host: boot a server frost creates, find an adopted
 * one by name, and tell when the image's agent properties were set after the server booted (Nova
 * copied them at boot; only a rebuild, which recreates the disk, reads them again). The rebuild is
 * planned, and applied only with --allow-rebuild. A server Nova lists as ACTIVE whose domain is gone
 * from its compute host is an error, and is planned nothing. Pure.
 */
export function planServer(
  host: HostSpec,
  instance: InstanceSpec,
  desired: DesiredState,
  facts: OpenStackFacts,
  glance: GlancePlan,
): ServerPlan {
  const out: ServerPlan = { changes: [], remarks: [], diagnostics: [] };
  const address = serverAddress(instance.name);
  const matches = facts.servers.filter((s) => s.name === instance.name);
  if (matches.length > 1) {
    out.diagnostics.push({
      severity: "error",
      code: "plan.server-ambiguous",
      summary: `instance ${instance.name}: cloud ${facts.cloud} has ${matches.length} servers named ${instance.name} (${matches.map((s) => s.id).join(", ")})`,
      detail:
        "Nova allows several servers of one name; frost needs exactly one. Rename or delete the others (openstack server list --name ...)",
      pos: instance.pos,
      source: "user",
    });
    return out;
  }
  const server = matches[0];
  if (!server) {
    if (instance.adopt) {
      out.diagnostics.push({
        severity: "error",
        code: "plan.adopt-missing",
        summary: `instance ${instance.name} is declared with adopt: true, but cloud ${facts.cloud} has no server named ${instance.name}`,
        detail: "Check the name with: openstack server list. frost never creates a server it was asked to adopt.",
        pos: instance.pos,
        source: "user",
      });
      return out;
    }
    const created = planCreate(host, instance, desired, facts, glance);
    if ("diagnostic" in created) out.diagnostics.push(created.diagnostic);
    else out.changes.push(created.change);
    return out;
  }
  if (!instance.adopt && server.metadata[MARK.createdBy] !== "frost") {
    out.diagnostics.push({
      severity: "error",
      code: "plan.server-not-frosts",
      summary: `instance ${instance.name}: cloud ${facts.cloud} has a server named ${instance.name} (${server.id}) that frost did not create`,
      detail:
        "frost never takes over a server it did not boot: write adopt: true (without image:) to manage it as it is, or give the instance another name",
      pos: instance.pos,
      source: "user",
    });
    return out;
  }
  const lost = lostDomain(instance, server, facts.compute[instance.name]);
  if (lost) {
    // Broken: no snapshot, no power change; the plan errs until Nova's record and libvirt agree again.
    out.diagnostics.push(lost);
    return out;
  }
  out.server = server;
  const boot = bootProperties(server, facts, instance.name);
  const image = instance.image !== undefined ? desired.images[instance.image] : undefined;
  const wantAgent = instance.agent ?? image?.agent;
  if (wantAgent === true && boot === undefined) {
    out.remarks.push({
      host: host.name,
      address,
      message: `frost cannot tell whether the server has the agent channel: it did not boot it, and ${whyUnchecked(facts.compute[instance.name])}`,
    });
  }
  if (wantAgent === true && boot?.agent === false) {
    const rebuild = planRebuild(host, instance, server, desired, facts, glance);
    if ("change" in rebuild) out.changes.push(rebuild.change);
    else out.remarks.push({ host: host.name, address, message: rebuild.remark });
  }
  if (instance.state !== undefined) {
    const running = server.status === "ACTIVE";
    const stopped = server.status === "SHUTOFF";
    if ((instance.state === "running" && stopped) || (instance.state === "stopped" && running)) {
      out.changes.push({
        host: host.name,
        address,
        action: "update",
        before: { state: running ? "running" : "stopped" },
        after: { state: instance.state },
        reason: instance.state === "running" ? "start the server" : "stop the server",
        steps: [{ kind: "openstack-power", server: instance.name, serverId: server.id, state: instance.state }],
        notes: [],
      });
    } else if (!running && !stopped) {
      out.remarks.push({
        host: host.name,
        address,
        message: `the server is ${server.status}${server.fault ? ` (${server.fault})` : ""}; frost leaves its power state alone`,
      });
    }
  }
  return out;
}

function planCreate(
  host: HostSpec,
  instance: InstanceSpec,
  desired: DesiredState,
  facts: OpenStackFacts,
  glance: GlancePlan,
): { change: OpenStackChange } | { diagnostic: Diagnostic } {
  const image = desired.images[instance.image as string];
  const digest = image ? glance.digests[image.name] : undefined;
  if (!image || digest === undefined) {
    // The image's own problem is reported with the image.
    return {
      diagnostic: {
        severity: "warning",
        code: "plan.server-waits",
        summary: `instance ${instance.name} waits for image ${instance.image}`,
        detail: "fix the image first",
        pos: instance.pos,
        source: "user",
      },
    };
  }
  const flavor = facts.flavors.find((f) => f.name === instance.flavor);
  if (!flavor) {
    return {
      diagnostic: {
        severity: "error",
        code: "plan.flavor-missing",
        summary: `instance ${instance.name}: cloud ${facts.cloud} has no flavor named ${JSON.stringify(instance.flavor)}`,
        detail: `known flavors: ${facts.flavors.map((f) => f.name).join(", ") || "none"}; see openstack flavor list`,
        pos: instance.written?.flavor ?? instance.pos,
        source: "user",
      },
    };
  }
  let networks: "none" | string[] = "none";
  if (Array.isArray(instance.networks) && instance.networks.length > 0) {
    networks = [];
    for (const name of instance.networks) {
      const found = facts.networks.filter((n) => n.name === name);
      if (found.length !== 1) {
        return {
          diagnostic: {
            severity: "error",
            code: "plan.network-missing",
            summary: `instance ${instance.name}: cloud ${facts.cloud} has ${found.length === 0 ? "no network" : `${found.length} networks`} named ${JSON.stringify(name)}`,
            detail: `frost needs exactly one; known networks: ${facts.networks.map((n) => n.name).join(", ") || "none"}`,
            pos: instance.written?.networks ?? instance.pos,
            source: "user",
          },
        };
      }
      networks.push((found[0] as { id: string }).id);
    }
  }
  const boot = { agent: image.agent, requireQuiesce: image.requireQuiesce };
  const metadata: Record<string, string> = {
    [MARK.createdBy]: "frost",
    [MARK.image]: image.name,
    [MARK.boot]: encodeBoot(boot),
    ...(host.owner !== undefined ? { [MARK.owner]: host.owner } : {}),
    ...(instance.protect ? { [MARK.protect]: "true" } : {}),
  };
  const state = instance.state ?? "running";
  return {
    change: {
      host: host.name,
      address: serverAddress(instance.name),
      action: "create",
      before: {},
      after: { image: image.name, flavor: flavor.name, networks: instance.networks ?? "none", state },
      reason: `boot from image ${image.name} with flavor ${flavor.name}${networks === "none" ? ", no network" : ""}`,
      steps: [
        {
          kind: "openstack-create-server",
          server: instance.name,
          image: image.name,
          imageDigest: digest,
          flavorId: flavor.id,
          networks,
          metadata,
          state,
        },
      ],
      notes: image.agent
        ? []
        : ["its image does not set hw_qemu_guest_agent: Nova gives the server no agent channel, and its snapshots are not quiesced"],
      requires: [imageAddress(image.name)],
    },
  };
}

function planRebuild(
  host: HostSpec,
  instance: InstanceSpec,
  server: NovaServer,
  desired: DesiredState,
  facts: OpenStackFacts,
  glance: GlancePlan,
): { change: OpenStackChange } | { remark: string } {
  const spec = instance.image !== undefined ? desired.images[instance.image] : undefined;
  const declared = instance.image !== undefined ? glance.current[instance.image] : undefined;
  const from: GlanceImage | undefined = declared ?? facts.images.find((g) => g.id === server.imageId);
  if (!from) {
    return { remark: "hw_qemu_guest_agent is wanted but was not set when the server booted, and frost finds no image to rebuild it from" };
  }
  // A declared image gets its declared properties first (the rebuild requires that change).
  const agent = declared && spec ? spec.agent : truthy(from.properties["hw_qemu_guest_agent"]);
  const requireQuiesce = declared && spec ? spec.requireQuiesce : truthy(from.properties["os_require_quiesce"]);
  if (!agent) {
    return {
      remark: `hw_qemu_guest_agent is wanted, but image ${from.name} (${from.id}) does not set it: set it on the image (declare the image in frost), then rebuild`,
    };
  }
  const boot = { agent: true, requireQuiesce };
  return {
    change: {
      host: host.name,
      address: serverAddress(instance.name),
      action: "update",
      before: { hw_qemu_guest_agent: "no (at boot)" },
      after: { hw_qemu_guest_agent: "yes", rebuild: from.id },
      reason: "hw_qemu_guest_agent set after boot; takes effect after rebuild",
      steps: [
        {
          kind: "openstack-rebuild-server",
          server: instance.name,
          serverId: server.id,
          imageId: from.id,
          metadata: { ...server.metadata, [MARK.boot]: encodeBoot(boot) },
        },
      ],
      notes: [`needs --allow-rebuild: Nova recreates the server's disk from image ${from.name}; what the guest wrote to it is lost`],
      ...(declared ? { requires: [imageAddress(from.properties[MARK.image] ?? from.name)] } : {}),
    },
  };
}
