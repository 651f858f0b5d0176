import { existsSync, readFileSync } from "node:fs";
import { currentProcess, processStartTime } from "../../../reconcile/process/identity.js";
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  acquireHostLock,
  CorruptLockError,
  defaultStateDir,
  LockHeldError,
  readHostLock,
  StaleLockError,
  type AcquireHostLockOptions,
} from "../../../reconcile/lock/host-lock.js";
import { deadPid, placeLock, placeLockText, tempStateDir } from "./helpers.js";

const uri = "qemu:///system";
let state: Awaited<ReturnType<typeof tempStateDir>>;
beforeEach(async () => {
  state = await tempStateDir();
});
afterEach(() => state.dispose());

const acquire = (over: Partial<AcquireHostLockOptions> = {}) =>
  acquireHostLock({ uri, stateDir: state.dir, command: "frost apply -c prod/", timeoutMs: 0, ...over });

describe("taking and releasing a host lock", () => {
  it("writes a lock file named by the URI's digest, holding who took it", async () => {
    const lock = await acquire();
    expect(lock.path).toBe(join(state.dir, "locks", basename(lock.path)));
    expect(basename(lock.path)).toMatch(/^[0-9a-f]{16}\.lock$/);
    expect(await readHostLock(uri, state.dir)).toEqual({
      version: 1,
      id: lock.record.id,
      uri,
      pid: process.pid,
      hostname: lock.record.hostname,
      // What proves the holder gone later: this boot, this machine, this process's start time.
      bootId: readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim(),
      machineId: readFileSync("/etc/machine-id", "utf8").trim(),
      startTime: processStartTime(process.pid),
      command: "frost apply -c prod/",
      startedAt: lock.record.startedAt,
    });
    expect(new Date(lock.record.startedAt).toISOString()).toBe(lock.record.startedAt);
  });

  it("frees the host on release, and releasing again does nothing", async () => {
    const lock = await acquire();
    expect(await lock.release()).toBe(true);
    expect(await readHostLock(uri, state.dir)).toBeUndefined();
    expect(await lock.release()).toBe(false);
    expect(lock.releaseSync()).toBe(false);
  });

  it("frees the host synchronously too, for process-exit paths", async () => {
    const lock = await acquire();
    expect(lock.releaseSync()).toBe(true);
    expect(existsSync(lock.path)).toBe(false);
  });

  it("locks each host apart: a second URI is not held by the first's lock", async () => {
    const first = await acquire();
    const second = await acquire({ uri: "qemu+ssh://node2/system" });
    expect(second.path).not.toBe(first.path);
  });

  it("leaves no temp files behind in the lock directory", async () => {
    await acquire();
    await acquire().catch(() => undefined);
    expect((await readdir(join(state.dir, "locks"))).filter((n) => !n.endsWith(".lock"))).toEqual([]);
  });
});

describe("a host already locked by a live run", () => {
  it("refuses a second acquire at once with timeout 0, naming the holder's pid, command and ID", async () => {
    const first = await acquire();
    const err = await acquire({ command: "frost snapshot agent" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockHeldError);
    expect((err as Error).message).toBe(
      `host qemu:///system is locked by frost pid ${process.pid} on ${first.record.hostname} (frost apply -c prod/), ` +
        `since ${first.record.startedAt}, lock ID ${first.record.id}; wait for it to finish, or pass --lock-timeout`,
    );
    expect((err as LockHeldError).holder).toEqual(first.record);
  });

  it("lets a waiting acquire in once the holder releases during the wait", async () => {
    const first = await acquire();
    setTimeout(() => void first.release(), 100);
    const second = await acquire({ timeoutMs: 5_000, pollMs: 10 });
    expect(second.record.id).not.toBe(first.record.id);
    expect((await readHostLock(uri, state.dir))?.id).toBe(second.record.id);
  });

  it("gives up with LockHeldError when the wait runs out", async () => {
    await acquire();
    const started = Date.now();
    await expect(acquire({ timeoutMs: 150, pollMs: 20 })).rejects.toBeInstanceOf(LockHeldError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("lets exactly one of many concurrent acquirers win", async () => {
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => acquire()));
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<{ record: { id: string } }>).value.record.id;
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect(r.reason).toBeInstanceOf(LockHeldError);
      expect((r.reason as LockHeldError).holder.id).toBe(winner);
    }
  });

  it("counts a holder it may not signal (EPERM: another user's process) as alive", async () => {
    // Simulated: as root, signal 0 never answers EPERM.
    const holder = await placeLock(state.dir, uri, { pid: 4_000_000 });
    const kill = vi.spyOn(process, "kill").mockImplementation((pid) => {
      if (pid !== holder.pid) throw new Error(`unexpected kill(${pid})`);
      throw Object.assign(new Error("kill EPERM"), { code: "EPERM" });
    });
    try {
      await expect(acquire()).rejects.toBeInstanceOf(LockHeldError);
      expect(kill).toHaveBeenCalledWith(holder.pid, 0);
    } finally {
      kill.mockRestore();
    }
  });
});

describe("a lock whose holder is provably gone", () => {
  const self = currentProcess();
  const mine = { hostname: self.hostname, bootId: self.bootId, machineId: self.machineId };

  it("is taken over when its pid no longer runs on this machine, in this boot, saying whose it was", async () => {
    const left = await placeLock(state.dir, uri, { ...mine, pid: await deadPid(), startTime: "12345" });
    const lock = await acquire({ timeoutMs: 10_000 });
    expect(lock.tookOver).toEqual({ holder: left, why: `pid ${left.pid} no longer runs` });
    expect((await readHostLock(uri, state.dir))?.id).toBe(lock.record.id);
  });

  it("is taken over when its pid runs, but as another process (another start time: the pid was reused)", async () => {
    const left = await placeLock(state.dir, uri, { ...mine, pid: process.pid, startTime: "1" });
    const lock = await acquire();
    expect(lock.tookOver).toEqual({ holder: left, why: `pid ${process.pid} is another process now` });
  });

  it("is taken over when it was taken on this machine before a reboot (same machine id, another boot id)", async () => {
    const left = await placeLock(state.dir, uri, { ...mine, bootId: "00000000-0000-0000-0000-000000000001", pid: process.pid });
    const lock = await acquire();
    expect(lock.tookOver).toEqual({ holder: left, why: "this machine has rebooted since" });
  });

  it("is held, not taken over, while its process runs with the recorded start time", async () => {
    await placeLock(state.dir, uri, { ...mine, pid: process.pid, startTime: self.startTime });
    await expect(acquire()).rejects.toBeInstanceOf(LockHeldError);
  });

  it("is held when it cannot be proven gone: another machine of the same name (another boot and machine id)", async () => {
    await placeLock(state.dir, uri, {
      ...mine,
      bootId: "b0000000-0000-0000-0000-000000000002",
      machineId: "0".repeat(32),
      pid: await deadPid(),
    });
    await expect(acquire()).rejects.toBeInstanceOf(LockHeldError);
  });

  it("is held when it was taken on a machine of another name, whatever its boot id", async () => {
    await placeLock(state.dir, uri, { ...mine, hostname: "elsewhere.example", pid: await deadPid() });
    await expect(acquire()).rejects.toBeInstanceOf(LockHeldError);
  });

  it("lets exactly one of many concurrent takers replace it", async () => {
    const left = await placeLock(state.dir, uri, { ...mine, pid: await deadPid() });
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => acquire()));
    const won = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(won).toHaveLength(1);
    expect(won[0]?.tookOver?.holder.id).toBe(left.id);
    for (const r of results.filter((r) => r.status === "rejected")) expect(r.reason).toBeInstanceOf(LockHeldError);
    expect((await readHostLock(uri, state.dir))?.id).toBe(won[0]?.record.id);
  });
});

describe("an older frost's lock (no boot id recorded) left by a dead run", () => {
  it("is reported as stale, with the force-unlock command, and not taken over", async () => {
    const left = await placeLock(state.dir, uri, { pid: await deadPid() });
    const err = await acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleLockError);
    expect((err as Error).message).toContain(`pid ${left.pid}`);
    expect((err as Error).message).toContain("no longer running");
    expect((err as Error).message).toContain(`frost force-unlock ${left.id}`);
    expect(await readHostLock(uri, state.dir)).toEqual(left);
  });

  it("is reported at once, without waiting out the timeout: it will not go away by itself", async () => {
    await placeLock(state.dir, uri, { pid: await deadPid() });
    const started = Date.now();
    await expect(acquire({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(StaleLockError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("is reported as held when it was taken on another machine, where its pid cannot be checked", async () => {
    await placeLock(state.dir, uri, { pid: await deadPid(), hostname: "elsewhere.example" });
    await expect(acquire()).rejects.toThrow(/locked by frost pid \d+ on elsewhere\.example/);
    await expect(acquire()).rejects.toBeInstanceOf(LockHeldError);
  });
});

describe("a corrupt lock file", () => {
  it("is reported with its path and how to remove it, and left in place", async () => {
    const path = await placeLockText(state.dir, uri, "{ not json");
    const err = await acquire({ timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptLockError);
    expect((err as CorruptLockError).message).toContain(`the lock file ${path} is corrupt: it is not valid JSON`);
    expect((err as CorruptLockError).hint).toContain(`rm ${path}`);
    expect(existsSync(path)).toBe(true);
  });

  it("is reported when its JSON lacks a field, and by readHostLock too", async () => {
    await placeLockText(state.dir, uri, JSON.stringify({ version: 1, id: "x", uri }));
    await expect(readHostLock(uri, state.dir)).rejects.toThrow(/corrupt: its "hostname" is missing/);
  });
});

describe("the state directory", () => {
  it("is $FROST_STATE_DIR when set, else /var/lib/frost", () => {
    expect(defaultStateDir({ FROST_STATE_DIR: "/srv/frost" })).toBe("/srv/frost");
    expect(defaultStateDir({ FROST_STATE_DIR: "" })).toBe("/var/lib/frost");
    expect(defaultStateDir({})).toBe("/var/lib/frost");
  });
});
