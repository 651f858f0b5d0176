import type { HostSpec, InstanceSpec } from "../../../config/types.js";
import type { Diagnostic } from "../../../diagnostics.js";
import type { SnapshotRequest, Step } from "../../../model.js";
import type { OpenStackFacts } from "../observe.js";
import { lostDomain } from "./lost-domain.js";
import { novaSnapshotStep } from "./snapshot-step.js";
import { uncheckedQuiesce } from "./unchecked-quiesce.js";

/**
 * The step of an on-demand snapshot of a server (`frost snapshot NAME`), or why there can be none,
 * at the instance. The same rules as a scheduled one: the agent is pinged first where the compute
 * host is reachable; a required quiesce frost cannot check needs the host's `trustNovaQuiesce`
 * (then `accepted` is that option's key, for the snapshot's line); a server whose domain is gone
 * is sent no request.
 */
export function onDemandSnapshotStep(
  host: HostSpec,
  instance: InstanceSpec,
  facts: OpenStackFacts,
  request: SnapshotRequest,
): { step: Step; accepted?: string } | { diagnostic: Diagnostic } {
  const problem = (code: string, summary: string, detail: string): { diagnostic: Diagnostic } => ({
    diagnostic: { severity: "error", code, summary, detail, pos: instance.pos, source: "user" },
  });
  const matches = facts.servers.filter((s) => s.name === instance.name);
  const server = matches[0];
  if (matches.length !== 1 || !server) {
    return problem(
      "snapshot.server-count",
      `instance ${instance.name}: cloud ${facts.cloud} has ${matches.length} servers of that name; frost needs exactly one`,
      "check with: openstack server list --name NAME",
    );
  }
  const lost = lostDomain(instance, server, facts.compute[instance.name]);
  if (lost) return { diagnostic: lost };
  if (server.status !== "ACTIVE") {
    return problem(
      "snapshot.server-not-active",
      `instance ${instance.name} is ${server.status}; frost snapshots ACTIVE servers only`,
      "start the server first (state: running, and frost apply)",
    );
  }
  const step = novaSnapshotStep(host, instance.name, server, facts, request);
  if (request.quiesce === "required" && !step.agentCheck && step.novaQuiesceAccepted === undefined) {
    return { diagnostic: uncheckedQuiesce(host, instance, server, facts.compute[instance.name], "on demand") };
  }
  return { step, ...(step.novaQuiesceAccepted !== undefined ? { accepted: step.novaQuiesceAccepted } : {}) };
}
