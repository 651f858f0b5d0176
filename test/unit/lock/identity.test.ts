import { describe, expect, it } from "vitest";
import { liveness, processStartTime, type ProcFiles, type ProcessIdentity } from "../../../reconcile/process/identity.js";

/** A /proc with the given stat lines and live pids. */
function fakeProc(stats: Record<number, string>): ProcFiles {
  return { read: (path) => stats[Number(/^\/proc\/(\d+)\/stat$/.exec(path)?.[1])], exists: (pid) => pid in stats };
}

// A stat line whose command name holds spaces and parentheses: the fields are counted after the last ")".
const stat = (start: string) => `4242 (frost (apply) x) S 1 4242 4242 0 -1 4194560 1 0 0 0 5 1 0 0 20 0 11 0 ${start} 1 2 3`;
const self: ProcessIdentity = { pid: 1, hostname: "h1", bootId: "boot-a", machineId: "m1", startTime: "100" };

describe("a process's identity", () => {
  it("reads the start time as field 22 of /proc/PID/stat, whatever the command name holds", () => {
    expect(processStartTime(4242, fakeProc({ 4242: stat("987654") }))).toBe("987654");
    expect(processStartTime(4243, fakeProc({}))).toBeUndefined();
  });
});

describe("whether a recorded process is provably gone", () => {
  const proc = fakeProc({ 4242: stat("555") });
  const rec = (over: Partial<ProcessIdentity>): ProcessIdentity => ({
    pid: 4242,
    hostname: "h1",
    bootId: "boot-a",
    machineId: "m1",
    startTime: "555",
    ...over,
  });

  it("is gone when its pid no longer runs on this machine, in this boot", () => {
    expect(liveness(rec({ pid: 7 }), self, proc)).toEqual({ state: "gone", why: "pid 7 no longer runs" });
  });
  it("is gone when its pid runs with another start time (reused)", () => {
    expect(liveness(rec({ startTime: "554" }), self, proc)).toEqual({ state: "gone", why: "pid 4242 is another process now" });
  });
  it("is alive when its pid runs with the recorded start time, or none was recorded", () => {
    expect(liveness(rec({}), self, proc)).toEqual({ state: "alive" });
    expect(liveness(rec({ startTime: undefined }), self, proc)).toEqual({ state: "alive" });
  });
  it("is gone when it ran on this machine before a reboot", () => {
    expect(liveness(rec({ bootId: "boot-0" }), self, proc)).toEqual({ state: "gone", why: "this machine has rebooted since" });
  });
  it("cannot be known for another machine: another name, or the same name with another machine id", () => {
    expect(liveness(rec({ hostname: "h2", pid: 7 }), self, proc).state).toBe("unknown");
    expect(liveness(rec({ bootId: "boot-0", machineId: "m2", pid: 7 }), self, proc).state).toBe("unknown");
  });
  it("cannot be known without a boot id (an older frost's record)", () => {
    expect(liveness(rec({ bootId: undefined, pid: 7 }), self, proc).state).toBe("unknown");
  });
});
