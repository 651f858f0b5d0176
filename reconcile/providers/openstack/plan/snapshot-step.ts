import type { HostSpec } from "../../../config/types.js";
import type { SnapshotRequest } from "../../../model.js";
import type { NovaServer } from "../cloud.js";
import { MARK, decodeBoot, type BootProperties } from "../markers.js";
import type { OpenStackFacts } from "../observe.js";
import type { OpenStackStep } from "../steps-model.js";

/**
 * The agent properties Nova copied into a server at boot, where frost can know them: its record on
 * a server it booted, else the channel in the domain where frost reaches the compute host (the
 * channel means hw_qemu_guest_agent was set; os_require_quiesce leaves no trace in the domain).
 */
export function bootProperties(server: NovaServer, facts: OpenStackFacts, instance: string): BootProperties | undefined {
  const recorded = decodeBoot(server.metadata[MARK.boot]);
  if (recorded) return recorded;
  const compute = facts.compute[instance];
  return compute?.status === "observed" ? { agent: compute.domain.agentChannel, requireQuiesce: false } : undefined;
}

/** Where apply pings the server's agent before asking Nova: its compute host's libvirt and domain, where reachable. */
export function agentCheckOf(server: NovaServer, facts: OpenStackFacts, instance: string): { uri: string; domain: string } | undefined {
  const compute = facts.compute[instance];
  return compute?.status === "observed" && server.instanceName !== undefined
    ? { uri: compute.uri, domain: server.instanceName }
    : undefined;
}

/**
 * The step of one snapshot of a server through Nova's createImage, scheduled or on demand. A
 * required quiesce frost cannot check carries the host option that accepts Nova's own enforcement,
 * where the host has it (callers plan no such step without it: see unchecked-quiesce.ts).
 */
export function novaSnapshotStep(
  host: HostSpec,
  instance: string,
  server: NovaServer,
  facts: OpenStackFacts,
  request: SnapshotRequest,
): Extract<OpenStackStep, { kind: "openstack-snapshot" }> {
  const boot = bootProperties(server, facts, instance);
  const agentCheck = agentCheckOf(server, facts, instance);
  const accepted = request.quiesce === "required" && !agentCheck ? host.trustNovaQuiesce?.key : undefined;
  return {
    kind: "openstack-snapshot",
    server: instance,
    serverId: server.id,
    imageName: `${instance}-${request.name}`,
    request,
    ...(boot ? { bootAgent: boot.agent } : {}),
    ...(agentCheck ? { agentCheck } : {}),
    ...(accepted !== undefined ? { novaQuiesceAccepted: accepted } : {}),
    ...(host.owner !== undefined ? { owner: host.owner } : {}),
  };
}
