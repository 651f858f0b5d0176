import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireHostLock, forceUnlock, LockNotFoundError, readHostLock } from "../../../reconcile/lock/host-lock.js";
import { deadPid, placeLock, placeLockText, tempStateDir } from "./helpers.js";

const uri = "qemu:///system";
const other = "qemu+ssh://node2/system";
let state: Awaited<ReturnType<typeof tempStateDir>>;
beforeEach(async () => {
  state = await tempStateDir();
});
afterEach(() => state.dispose());

const acquire = (u = uri) => acquireHostLock({ uri: u, stateDir: state.dir, command: "frost apply", timeoutMs: 0 });

describe("force-unlock", () => {
  it("removes the lock with that ID, returns it, and leaves other hosts' locks alone", async () => {
    const stale = await placeLock(state.dir, uri, { id: "aaaaaaaaaaaaaaaa", pid: await deadPid() });
    const live = await placeLock(state.dir, other, { id: "bbbbbbbbbbbbbbbb" });
    expect(await forceUnlock(stale.id, state.dir)).toEqual(stale);
    expect(await readHostLock(uri, state.dir)).toBeUndefined();
    expect(await readHostLock(other, state.dir)).toEqual(live);
  });

  it("frees the host for the next run", async () => {
    const stale = await placeLock(state.dir, uri, { pid: await deadPid() });
    await forceUnlock(stale.id, state.dir);
    await expect(acquire()).resolves.toBeDefined();
  });

  it("fails clearly when no lock has that ID, skipping corrupt files", async () => {
    await placeLock(state.dir, uri, { id: "aaaaaaaaaaaaaaaa" });
    await placeLockText(state.dir, other, "garbage");
    const err = await forceUnlock("cccccccccccccccc", state.dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockNotFoundError);
    expect((err as Error).message).toBe(`no lock with ID cccccccccccccccc in ${state.dir}/locks`);
  });

  it("fails clearly when no lock was ever taken under the state directory", async () => {
    await expect(forceUnlock("cccccccccccccccc", state.dir)).rejects.toBeInstanceOf(LockNotFoundError);
  });
});

describe("releasing a lock that changed hands", () => {
  // A run is force-unlocked while it still runs, and another run takes the host: the first run's
  // release must not remove the second run's lock.
  it("leaves the new holder's lock in place (async release)", async () => {
    const first = await acquire();
    await forceUnlock(first.record.id, state.dir);
    const second = await acquire();
    expect(await first.release()).toBe(false);
    expect(await readHostLock(uri, state.dir)).toEqual(second.record);
  });

  it("leaves the new holder's lock in place (releaseSync)", async () => {
    const first = await acquire();
    await forceUnlock(first.record.id, state.dir);
    const second = await acquire();
    expect(first.releaseSync()).toBe(false);
    expect(await readHostLock(uri, state.dir)).toEqual(second.record);
  });
});
