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
  hooks: { name: string; sha256: string; executable?: boolean }[];
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

/** The worse of severities. */
export function worst(...s: Severity[]): Severity {
  return s.reduce<Severity>((a, b) => (RANK[b] > RANK[a] ? b : a), "ok");
}
