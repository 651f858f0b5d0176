import type { DesiredState, HostSpec } from "../../../config/types.js";
import type { Diagnostic } from "../../../diagnostics.js";
import type { ImageObservation } from "../../../images/image-facts.js";
import type { KeptSnapshot, Remark } from "../../../model.js";
import type { OpenStackChange } from "../steps-model.js";
import { MARK } from "../markers.js";
import type { OpenStackFacts } from "../observe.js";
import { serverAddress } from "./addresses.js";
import { planGlanceImages } from "./glance-images.js";
import { planNovaSnapshots } from "./nova-snapshots.js";
import { planServer } from "./servers.js";

export interface OpenStackHostPlan {
  changes: OpenStackChange[];
  drift: OpenStackChange[];
  remarks: Remark[];
  kept: KeptSnapshot[];
  diagnostics: Diagnostic[];
}

/**
 * Plans one OpenStack host: its Glance images first (servers are booted from them), then each
 * declared server (boot, rebuild, power) followed by its snapshots and prunes, then the servers
 * frost created (under this host's owner) that the configuration no longer declares: destroyed
 * (`-`, apply needs --allow-destroy) unless created with protect: true. Their snapshot images stay:
 * they may be all that is left of them. Pure.
 */
export function planOpenStackHost(
  host: HostSpec,
  desired: DesiredState,
  facts: OpenStackFacts,
  options: { now: Date; images: Record<string, ImageObservation> },
): OpenStackHostPlan {
  const glance = planGlanceImages(host, desired, facts, options.images);
  const out: OpenStackHostPlan = {
    changes: [...glance.changes],
    drift: [...glance.drift],
    remarks: [...glance.remarks],
    kept: [],
    diagnostics: [...glance.diagnostics],
  };
  const instances = Object.values(desired.instances).filter((i) => i.host === host.name);
  for (const instance of instances) {
    const planned = planServer(host, instance, desired, facts, glance);
    out.changes.push(...planned.changes);
    out.remarks.push(...planned.remarks);
    out.diagnostics.push(...planned.diagnostics);
    if (!planned.server) continue;
    // A server being rebuilt gets its snapshots on the next run, from the rebuilt disk.
    if (planned.changes.some((c) => c.steps.some((s) => s.kind === "openstack-rebuild-server"))) continue;
    const snapshots = planNovaSnapshots(host, instance, planned.server, desired, facts, options.now);
    out.changes.push(...snapshots.changes);
    out.remarks.push(...snapshots.remarks);
    out.kept.push(...snapshots.kept);
    out.diagnostics.push(...snapshots.diagnostics);
  }
  for (const server of facts.servers) {
    if (server.metadata[MARK.createdBy] !== "frost" || desired.instances[server.name]?.host === host.name) continue;
    if ((server.metadata[MARK.owner] ?? undefined) !== host.owner) continue;
    if (server.metadata[MARK.protect] === "true") {
      out.diagnostics.push({
        severity: "warning",
        code: "plan.protected-undeclared",
        summary: `server ${server.name} (${server.id}) was created by frost with protect: true and is no longer declared; frost does not destroy it`,
        detail: "to destroy it, declare it again with protect: false and apply, then remove it",
        source: "user",
      });
      continue;
    }
    const kept = facts.images.filter((g) => g.properties["instance_uuid"] === server.id && g.properties[MARK.snapshot] === "v1").length;
    out.changes.push({
      host: host.name,
      address: serverAddress(server.name),
      action: "delete",
      before: { server: server.id, image: server.metadata[MARK.image] ?? null },
      after: {},
      reason: `destroy: created by frost, no longer declared (server ${server.id})`,
      steps: [{ kind: "openstack-delete-server", server: server.name, serverId: server.id }],
      notes: ["needs --allow-destroy", ...(kept > 0 ? [`its ${kept} frost snapshot image(s) stay in Glance`] : [])],
    });
  }
  return out;
}
