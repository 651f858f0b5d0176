import type { DesiredState } from "../config/types.js";
import { FSFREEZE_HOOK_PATH, type GuestHookScript, type ObservedDomain } from "../providers/libvirt/hypervisor.js";
import { wantsAgent } from "../providers/libvirt/plan/agent-channel.js";
import { effectiveHooks, type GuestFacts, type HookSource } from "../providers/libvirt/plan/fsfreeze-hooks.js";
import type { HostObservation } from "../plan/plan.js";
import { scheduleInstances } from "../snapshots/quiesce-policy.js";
import { cronPeriodMs } from "../snapshots/schedule.js";

/** Nagios-style severity: ok (0), warn (1), crit (2). */
export type Severity = "ok" | "warn" | "crit";

/** One instance's readiness, as `frost status` shows it. */
export interface InstanceStatus {
  host: string;
  instance: string;
  severity: Severity;
  state: string;
  channel: "connected" | "disconnected" | "absent" | "pending-restart" | "unknown";
  agent: string;
  freeze: string;
  snapshots: number;
  /** The names of the domain's snapshots frost did not take (never touched). */
  foreignSnapshots: string[];
  /** The agent's readiness, where it was read (a running domain whose agent answered guest-ping). */
  readiness?: ReadinessStatus;
  problems: string[];
}

/**
 * The agent's readiness as `frost status` shows it: qemu-ga's version, whether it allows freezing,
 * file access (`read-only`: guest-file-write disabled, `write-only`: guest-file-read disabled) and
 * exec, whether the guest has `/etc/qemu/fsfreeze-hook`, the scripts of its `fsfreeze-hook.d` (all of
 * them where guest-exec listed the directory, else only the declared ones found), and the hook
 * qemu-ga was started with (null: none; absent: unknown).
 */
export interface ReadinessStatus {
  version?: string;
  fsfreeze: "enabled" | "disabled" | "unknown";
  fileAccess: "enabled" | "read-only" | "write-only" | "disabled" | "unknown";
  exec: "enabled" | "disabled" | "unknown";
  hook: "present" | "absent" | "unknown";
  hooks: GuestHookScript[];
  agentHook?: string | null;
}

/** The freshness of one schedule on one instance: the age of its newest snapshot against the cron period. */
export interface ScheduleStatus {
  host: string;
  schedule: string;
  instance: string;
  severity: Severity;
  newest?: string;
  ageMs?: number;
  periodMs: number;
  verdict: "ok" | "late" | "missing" | "paused";
}

/** Everything `frost status` reports, and its overall severity (the worst of all). */
export interface StatusReport {
  hosts: { name: string; uri: string; reachable: boolean; error?: string }[];
  instances: InstanceStatus[];
  schedules: ScheduleStatus[];
  severity: Severity;
}

const RANK: Record<Severity, number> = { ok: 0, warn: 1, crit: 2 };

function worst(...s: Severity[]): Severity {
  return s.reduce<Severity>((a, b) => (RANK[b] > RANK[a] ? b : a), "ok");
}

/**
 * Builds the status report from what was observed. Pure. A schedule is `late` when its newest
 * snapshot is older than one cron period plus a grace of a tenth of it (warn), `missing` when older
 * than two periods or when there is none (crit). A frozen guest or an unreachable host is crit; an
 * agent that does not answer where the configuration wants one is warn, and so is a wanted agent
 * that forbids freezing, or whose guest has no fsfreeze hook (or runs qemu-ga without one), and a
 * declared hook script that is missing from the guest or differs from the local file.
 */
export function buildStatus(desired: DesiredState, observations: Record<string, HostObservation>, now: Date): StatusReport {
  const report: StatusReport = { hosts: [], instances: [], schedules: [], severity: "ok" };
  for (const host of Object.values(desired.hosts)) {
    const o = observations[host.name];
    if (o?.status !== "observed") {
      report.hosts.push({
        name: host.name,
        uri: host.uri,
        reachable: false,
        error: o?.status === "unreachable" ? o.error : "not observed",
      });
      report.severity = "crit";
      continue;
    }
    report.hosts.push({ name: host.name, uri: host.uri, reachable: true });
    for (const instance of Object.values(desired.instances).filter((i) => i.host === host.name)) {
      const domain = o.host.domains[instance.name];
      const unreadable = o.host.unreadable?.[instance.name];
      const status =
        unreadable !== undefined
          ? unreadableStatus(host.name, instance.name, unreadable)
          : instanceStatus(host.name, instance.name, domain, wantsAgent(instance, desired) === true);
      const declared = Object.keys(effectiveHooks(instance, desired)).sort();
      if (domain) addReadiness(status, o.guests?.[instance.name], declared, wantsAgent(instance, desired) === true);
      report.instances.push(status);
      for (const schedule of Object.values(desired.schedules)) {
        if (!scheduleInstances(schedule, desired).includes(instance)) continue;
        const periodMs = cronPeriodMs(schedule.cron, schedule.timezone, now);
        const newest = (domain?.snapshots ?? [])
          .filter((s) => s.meta?.schedule === schedule.name)
          .map((s) => new Date(s.meta?.takenAt ?? s.createdAt))
          .sort((a, b) => b.getTime() - a.getTime())[0];
        const ageMs = newest ? now.getTime() - newest.getTime() : undefined;
        const verdict: ScheduleStatus["verdict"] = schedule.paused
          ? "paused"
          : ageMs === undefined || ageMs > 2 * periodMs
            ? "missing"
            : ageMs > periodMs * 1.1
              ? "late"
              : "ok";
        const severity: Severity = verdict === "missing" ? "crit" : verdict === "late" ? "warn" : "ok";
        report.schedules.push({
          host: host.name,
          schedule: schedule.name,
          instance: instance.name,
          severity,
          periodMs,
          verdict,
          ...(newest ? { newest: newest.toISOString(), ageMs } : {}),
        });
      }
    }
  }
  report.severity = worst(report.severity, ...report.instances.map((i) => i.severity), ...report.schedules.map((s) => s.severity));
  return report;
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
