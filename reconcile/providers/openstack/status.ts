import { wantsAgent } from "../../config/derived.js";
import type { DesiredState, HostSpec } from "../../config/types.js";
import type { InstanceReport } from "../../provider.js";
import { worst, type InstanceStatus, type Severity } from "../../status/status-model.js";
import type { OpenStackFacts } from "./observe.js";
import { lostDomain } from "./plan/lost-domain.js";
import { frostSnapshotFacts, serverState } from "./plan/nova-snapshots.js";

/**
 * Each declared server of an OpenStack host as `frost status` shows it: its power state, and where
 * frost reaches its compute host, its agent channel, guest-ping and freeze state; frost's snapshot
 * images of it. A server missing (or not one of its name), or whose domain is gone from a compute
 * host frost reaches, is crit; a frozen guest is crit; an agent that does not answer where the
 * configuration wants one is warn.
 */
export function openstackStatus(host: HostSpec, desired: DesiredState, facts: OpenStackFacts): InstanceReport[] {
  return Object.values(desired.instances)
    .filter((i) => i.host === host.name)
    .map((instance) => {
      const servers = facts.servers.filter((s) => s.name === instance.name);
      const server = servers.length === 1 ? servers[0] : undefined;
      const compute = facts.compute[instance.name];
      if (!server || lostDomain(instance, server, compute)) return { status: missing(host.name, instance.name), snapshots: [] };
      const { snapshots } = frostSnapshotFacts(instance.name, server, facts);
      const guest = compute?.status === "observed" ? compute.domain : undefined;
      const state = serverState(server);
      const agent = guest ? guest.agent : { status: "not-checked" as const };
      const problems: string[] = [];
      let severity: Severity = "ok";
      if (guest?.freeze === "frozen") {
        problems.push("filesystems frozen");
        severity = "crit";
      }
      if (wantsAgent(instance, desired) === true && state === "running" && agent.status !== "ok") {
        problems.push(`agent ${agent.status}${agent.message ? `: ${agent.message}` : ""}`);
        severity = worst(severity, "warn");
      }
      const status: InstanceStatus = {
        host: host.name,
        instance: instance.name,
        severity,
        state,
        channel: channelOf(guest?.liveChannel, guest?.persistentChannel),
        agent: agent.status,
        freeze: guest?.freeze ?? "-",
        snapshots: snapshots.length,
        foreignSnapshots: [],
        problems,
      };
      return { status, snapshots };
    });
}

/** The channel as status says it, from the running domain's and the persistent definition's (absent where frost does not reach the compute host). */
function channelOf(live: "connected" | "disconnected" | "none" | undefined, persistent: boolean | undefined): InstanceStatus["channel"] {
  if (live === "connected" || live === "disconnected") return live;
  return persistent ? "pending-restart" : "absent";
}

function missing(host: string, instance: string): InstanceStatus {
  return {
    host,
    instance,
    severity: "crit",
    state: "missing",
    channel: "unknown",
    agent: "-",
    freeze: "-",
    snapshots: 0,
    foreignSnapshots: [],
    problems: ["no such domain"],
  };
}
