import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { acquireHostLock, forceUnlock, lockPath, LockHeldError, readHostLock, StaleLockError } from "../../../reconcile/lock/host-lock.js";
import { compileLockModule, LockChild, tempStateDir } from "./helpers.js";

// These scenarios use real separate processes: the lock must hold between runs, not only between
// promises of one run. The children import the lock module compiled by tsc into a temp dir.
const uri = "qemu:///system";
let buildDir: string;
let moduleUrl: string;
beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), "frost-lock-build-"));
  moduleUrl = await compileLockModule(buildDir);
}, 60_000);
afterAll(() => rm(buildDir, { recursive: true, force: true }));

let state: Awaited<ReturnType<typeof tempStateDir>>;
let children: LockChild[] = [];
beforeEach(async () => {
  state = await tempStateDir();
});
afterEach(async () => {
  await Promise.all(children.map((c) => c.crash()));
  children = [];
  await state.dispose();
});

function child(): LockChild {
  const c = new LockChild(moduleUrl, state.dir, uri);
  children.push(c);
  return c;
}

async function start(c: LockChild): Promise<string> {
  expect(await c.next()).toBe("ready");
  c.send("go");
  return c.next();
}

describe("host locks between processes", () => {
  it("keeps this process out while a child holds the lock, and lets it in once the child releases", async () => {
    const holder = child();
    const won = await start(holder);
    const id = won.replace(/^won /, "");
    const err = await acquireHostLock({ uri, stateDir: state.dir, command: "frost apply", timeoutMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockHeldError);
    expect((err as Error).message).toContain(`pid ${holder.pid}`);
    expect((err as Error).message).toContain(`(frost apply -c child/)`);
    expect((err as Error).message).toContain(`lock ID ${id}`);

    const waiting = acquireHostLock({ uri, stateDir: state.dir, command: "frost apply", timeoutMs: 10_000, pollMs: 20 });
    holder.send("release");
    expect(await holder.next()).toBe("released");
    await expect(waiting).resolves.toBeDefined();
  }, 20_000);

  it("lets exactly one of several racing processes win", async () => {
    const racers = [child(), child(), child(), child()];
    for (const r of racers) expect(await r.next()).toBe("ready");
    for (const r of racers) r.send("go");
    const outcomes = await Promise.all(racers.map((r) => r.next()));
    expect(outcomes.filter((o) => o.startsWith("won "))).toHaveLength(1);
    expect(outcomes.filter((o) => o === "lost LockHeldError")).toHaveLength(racers.length - 1);
    const winnerId = outcomes.find((o) => o.startsWith("won "))?.slice(4);
    expect((await readHostLock(uri, state.dir))?.id).toBe(winnerId);
  }, 20_000);

  it("takes over the lock of a run that was killed (SIGKILL), saying whose it was", async () => {
    const crashed = child();
    const id = (await start(crashed)).replace(/^won /, "");
    const pid = crashed.pid;
    await crashed.crash();
    const lock = await acquireHostLock({ uri, stateDir: state.dir, command: "frost apply", timeoutMs: 0 });
    expect(lock.tookOver?.holder).toMatchObject({ id, pid, command: "frost apply -c child/" });
    expect(lock.tookOver?.why).toBe(`pid ${pid} no longer runs`);
    expect((await readHostLock(uri, state.dir))?.id).toBe(lock.record.id);
  }, 20_000);

  it("lets exactly one of several processes take over a killed run's lock; the others find it held", async () => {
    const crashed = child();
    const dead = (await start(crashed)).replace(/^won /, "");
    await crashed.crash();
    const racers = [child(), child(), child(), child()];
    for (const r of racers) expect(await r.next()).toBe("ready");
    for (const r of racers) r.send("go");
    const outcomes = await Promise.all(racers.map((r) => r.next()));
    const won = outcomes.filter((o) => o.startsWith("won "));
    expect(won).toHaveLength(1);
    expect(won[0]).toMatch(new RegExp(`^won [0-9a-f]{16} over ${dead}$`));
    expect(outcomes.filter((o) => o === "lost LockHeldError")).toHaveLength(racers.length - 1);
    expect((await readHostLock(uri, state.dir))?.id).toBe(won[0]?.split(" ")[1]);
  }, 20_000);

  it("still reports an older frost's lock (no boot id recorded) whose process is gone, until it is force-unlocked", async () => {
    const crashed = child();
    const id = (await start(crashed)).replace(/^won /, "");
    await crashed.crash();
    // As an older frost wrote it: the same lock without the identity fields.
    const path = lockPath(uri, state.dir);
    const record = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    for (const key of ["bootId", "machineId", "startTime"]) delete record[key];
    await writeFile(path, JSON.stringify(record));
    const acquire = () => acquireHostLock({ uri, stateDir: state.dir, command: "frost apply", timeoutMs: 0 });
    await expect(acquire()).rejects.toThrow(StaleLockError);
    await expect(acquire()).rejects.toThrow(`frost force-unlock ${id}`);
    await forceUnlock(id, state.dir);
    await expect(acquire()).resolves.toBeDefined();
  }, 20_000);
});
