import type { HostSpec, InstanceSpec } from "../../config/types.js";
import type { SnapshotRequest, Step } from "../../model.js";
import type { OpenStackFacts } from "../observe.js";
import { novaSnapshotStep } from "./snapshot-step.js";

/**
 * The step of an on-demand snapshot of a server (`frost snapshot NAME`), or why there can be none.
 * The same checks as a scheduled one: the agent is pinged first where the compute host is reachable.
 */
export function onDemandSnapshotStep(
  host: HostSpec,
  instance: InstanceSpec,
  facts: OpenStackFacts,
  request: SnapshotRequest,
): Step | { problem: string } {
  const matches = facts.servers.filter((s) => s.name === instance.name);
  const server = matches[0];
  if (matches.length !== 1 || !server) {
    return {
      problem: `instance ${instance.name}: cloud ${facts.cloud} has ${matches.length} servers of that name; frost needs exactly one`,
    };
  }
  if (server.status !== "ACTIVE") return { problem: `instance ${instance.name} is ${server.status}; frost snapshots ACTIVE servers only` };
  return novaSnapshotStep(host, instance.name, server, facts, request);
}
