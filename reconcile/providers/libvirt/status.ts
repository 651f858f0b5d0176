import type { DesiredState, HostSpec } from "../../config/types.js";
import type { InstanceReport } from "../../provider.js";
import { worst, type InstanceStatus, type ReadinessStatus, type Severity } from "../../status/status-model.js";
import type { LibvirtFacts } from "./facts.js";
import { FSFREEZE_HOOK_PATH, type GuestHookScript, type ObservedDomain } from "./hypervisor.js";
import { wantsAgent } from "../../config/derived.js";
import { effectiveHooks, type GuestFacts, type HookSource } from "./plan/fsfreeze-hooks.js";
import { snapshotFact } from "./plan/schedules.js";

/**
 * Each declared instance of a libvirt host as `frost status` shows it: a frozen guest is crit; an
 * agent that does not answer where the configuration wants one is warn, and so is a wanted agent
 * that forbids freezing, or whose guest has no fsfreeze hook (or runs qemu-ga without one), and a
 * declared hook script that is missing from the guest or differs from the local file.
 */
export function libvirtStatus(host: HostSpec, desired: DesiredState, facts: LibvirtFacts): InstanceReport[] {
  return Object.values(desired.instances)
    .filter((i) => i.host === host.name)
    .map((instance) => {
      const domain = facts.host.domains[instance.name];
      const unreadable = facts.host.unreadable?.[instance.name];
      const status =
        unreadable !== undefined
          ? unreadableStatus(host.name, instance.name, unreadable)
          : instanceStatus(host.name, instance.name, domain, wantsAgent(instance, desired) === true);
      const declared = Object.keys(effectiveHooks(instance, desired)).sort();
      if (domain) addReadiness(status, facts.guests?.[instance.name], declared, wantsAgent(instance, desired) === true);
      return { status, snapshots: (domain?.snapshots ?? []).map(snapshotFact) };
    });
}

/** A domain libvirt lists but would not let frost read: as bad as a missing one, and why. */
function unreadableStatus(host: string, instance: string, error: string): InstanceStatus {
  return { ...instanceStatus(host, instance, undefined, false), state: "unreadable", problems: [`could not be read: ${error}`] };
}

function instanceStatus(host: string, instance: string, domain: ObservedDomain | undefined, agentWanted: boolean): InstanceStatus {
  if (!domain) {
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
  const problems: string[] = [...(domain.problems ?? [])];
  const live = domain.live?.agentChannel;
  const channel: InstanceStatus["channel"] = live
    ? (live.state ?? "connected")
    : domain.live && domain.persistent?.agentChannel
      ? "pending-restart"
      : domain.live
        ? "absent"
        : domain.persistent?.agentChannel
          ? "pending-restart"
          : "absent";
  let severity: Severity = problems.length > 0 ? "warn" : "ok";
  if (domain.freeze === "frozen") {
    problems.push("filesystems frozen");
    severity = "crit";
  }
  if (agentWanted && domain.state === "running" && domain.agent.status !== "ok") {
    problems.push(`agent ${domain.agent.status}${domain.agent.message ? `: ${domain.agent.message}` : ""}`);
    severity = worst(severity, "warn");
  }
  return {
    host,
    instance,
    severity,
    state: domain.state,
    channel,
    agent: domain.agent.status,
    freeze: domain.freeze ?? "-",
    snapshots: domain.snapshots.length,
    foreignSnapshots: [...domain.foreignSnapshots],
    problems,
  };
}

/** Adds the agent's readiness to an instance's status, with the warnings it calls for. */
function addReadiness(status: InstanceStatus, guest: GuestFacts | undefined, declared: string[], agentWanted: boolean): void {
  const r = guest?.readiness;
  if (!r) return;
  const warn = (problem: string) => {
    status.problems.push(problem);
    status.severity = worst(status.severity, "warn");
  };
  if (r.status !== "ok") {
    warn(`guest-info ${r.status}${r.message ? `: ${r.message}` : ""}`);
    return;
  }
  const caps = r.capabilities;
  const onOff = (b: boolean | undefined) => (b === undefined ? "unknown" : b ? "enabled" : "disabled");
  const fileAccess: ReadinessStatus["fileAccess"] = !caps
    ? "unknown"
    : caps.fileRead && caps.fileWrite
      ? "enabled"
      : caps.fileRead
        ? "read-only"
        : caps.fileWrite
          ? "write-only"
          : "disabled";
  status.readiness = {
    ...(r.version !== undefined ? { version: r.version } : {}),
    fsfreeze: onOff(caps?.fsfreeze),
    fileAccess,
    exec: onOff(caps?.exec),
    hook: r.hook?.status ?? "unknown",
    hooks: r.hook?.scripts ?? [],
    ...(r.hook?.agentHook !== undefined ? { agentHook: r.hook.agentHook } : {}),
  };
  if (!agentWanted && declared.length === 0) return;
  if (caps && !caps.fsfreeze) warn("the guest agent forbids guest-fsfreeze-freeze: snapshots cannot be quiesced");
  if (r.hook?.status === "absent") warn(`no fsfreeze hook in the guest (${FSFREEZE_HOOK_PATH}): hook scripts cannot run`);
  if (r.hook?.agentHook === null) warn("qemu-ga runs without --fsfreeze-hook: no hook script runs at a freeze");
  if (declared.length === 0) return;
  const scripts = r.hook?.scripts;
  if (!scripts) {
    warn(`declared fsfreeze hooks not checked: ${r.hook?.reason ?? (r.problems.join("; ") || "the guest's hook could not be read")}`);
    return;
  }
  for (const name of declared) {
    const problem = hookProblem(
      name,
      scripts.find((x) => x.name === name),
      guest?.sources[name],
    );
    if (problem) warn(problem);
  }
}

/** What is wrong with one declared hook in the guest, if anything. */
function hookProblem(name: string, there: GuestHookScript | undefined, source: HookSource | undefined): string | undefined {
  if (source?.error !== undefined) return `fsfreeze hook ${name}: cannot read ${source.path}: ${source.error}`;
  if (!there) return `fsfreeze hook ${name} is not in the guest (frost apply installs it)`;
  if (source?.sha256 !== undefined && there.sha256 !== source.sha256)
    return `fsfreeze hook ${name} differs from its local file (frost apply replaces it)`;
  if (there.executable === false) return `fsfreeze hook ${name} is not executable in the guest`;
  return undefined;
}
