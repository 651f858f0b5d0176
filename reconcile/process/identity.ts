import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Who a process is, well enough to prove later that it is gone. A pid alone proves nothing: pids
 * are reused, a lock may have been written before a reboot, or on another machine that shares the
 * state directory. So frost records, beside the pid and the hostname, the kernel's boot id
 * (`/proc/sys/kernel/random/boot_id`, new at every boot), the machine id (`/etc/machine-id`, the
 * same across boots), and the process's start time (`/proc/PID/stat` field 22, in clock ticks
 * since boot: a reused pid has another).
 */
export interface ProcessIdentity {
  pid: number;
  hostname: string;
  bootId?: string;
  machineId?: string;
  startTime?: string;
}

/** Whether a recorded process still runs: provably not (`gone`, with why), provably so, or not knowable from here. */
export type Liveness = { state: "alive" } | { state: "gone"; why: string } | { state: "unknown"; why: string };

/** Where the facts are read; tests point it at a fake /proc. */
export interface ProcFiles {
  read(path: string): string | undefined;
  /** True when a process of that pid exists (signal 0), whoever owns it. */
  exists(pid: number): boolean;
}

export const realProc: ProcFiles = {
  read(path) {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  },
  exists(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      // EPERM: the process exists but belongs to another user (a root frost seen from a user's).
      return (e as NodeJS.ErrnoException).code !== "ESRCH";
    }
  },
};

/**
 * The start time of `pid` (field 22 of /proc/PID/stat), or undefined when it cannot be read. The
 * second field, the command name, is in parentheses and may itself hold spaces and parentheses:
 * the fields are counted after its last `)`.
 */
export function processStartTime(pid: number, proc: ProcFiles = realProc): string | undefined {
  const stat = proc.read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  // After the name: field 3 (state) onwards; field 22 is the 20th of them.
  const value = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/)[19];
  return value !== undefined && /^\d+$/.test(value) ? value : undefined;
}

function firstLine(text: string | undefined): string | undefined {
  const line = text?.split("\n")[0]?.trim();
  return line ? line : undefined;
}

/** This process, as another frost run will check it. */
export function currentProcess(proc: ProcFiles = realProc): ProcessIdentity {
  const bootId = firstLine(proc.read("/proc/sys/kernel/random/boot_id"));
  const machineId = firstLine(proc.read("/etc/machine-id"));
  const startTime = processStartTime(process.pid, proc);
  return {
    pid: process.pid,
    hostname: hostname(),
    ...(bootId ? { bootId } : {}),
    ...(machineId ? { machineId } : {}),
    ...(startTime ? { startTime } : {}),
  };
}

/**
 * Decides whether the process `recorded` still runs, seen from `self` (this process). Provably gone:
 * - on this machine in this boot (same hostname and boot id) and its pid no longer runs, or runs
 *   with another start time (the pid was reused);
 * - on this machine in an earlier boot (same hostname and machine id, another boot id).
 * Provably alive: this boot, its pid runs with the recorded start time (or none was recorded to
 * compare). Anything else — another machine, or a record without a boot id — cannot be known here.
 */
export function liveness(recorded: ProcessIdentity, self: ProcessIdentity = currentProcess(), proc: ProcFiles = realProc): Liveness {
  if (recorded.hostname !== self.hostname) return { state: "unknown", why: `it ran on ${recorded.hostname}, another machine` };
  if (!recorded.bootId || !self.bootId) return { state: "unknown", why: "its record has no boot id to check it by" };
  if (recorded.bootId !== self.bootId) {
    if (recorded.machineId && recorded.machineId === self.machineId) return { state: "gone", why: "this machine has rebooted since" };
    return { state: "unknown", why: `it ran on another machine named ${recorded.hostname}` };
  }
  if (!proc.exists(recorded.pid)) return { state: "gone", why: `pid ${recorded.pid} no longer runs` };
  const now = recorded.startTime !== undefined ? processStartTime(recorded.pid, proc) : undefined;
  if (recorded.startTime !== undefined && now !== undefined && now !== recorded.startTime) {
    return { state: "gone", why: `pid ${recorded.pid} is another process now` };
  }
  return { state: "alive" };
}

/** The identity fields of a parsed record, each kept only when it has the right type. */
export function identityFields(v: Record<string, unknown>): Pick<ProcessIdentity, "bootId" | "machineId" | "startTime"> {
  const out: Pick<ProcessIdentity, "bootId" | "machineId" | "startTime"> = {};
  for (const key of ["bootId", "machineId", "startTime"] as const) {
    const value = v[key];
    if (typeof value === "string" && value !== "") out[key] = value;
  }
  return out;
}
