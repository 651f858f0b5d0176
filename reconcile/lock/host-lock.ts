/**
 * The host lock: one frost run acts on one libvirt host at a time (guarantee 6).
 *
 * A lock is a file per key, `<stateDir>/locks/<digest>.lock`, holding a `LockRecord`; the key is
 * the host's URI, and also its identity where libvirt reports one (cmd/locking.ts takes both, so
 * that `qemu:///system` and `qemu+ssh://localhost/system` exclude each other). Commands that
 * change a host (apply, snapshot, thaw, watch's passes) take it; read-only commands (validate,
 * plan, show, status) do not, so that a plan can always be read while an apply runs — choosing
 * which is the CLI's business, not this module's.
 *
 * The lock is advisory and local to the state directory: two machines acting on one remote
 * `qemu+ssh://` host are only serialised if they share that directory. A lock whose holder is
 * provably gone (process/identity.ts: this machine and boot, and its pid no longer runs or is
 * another process now; or this machine before a reboot) is taken over, and the taker is told
 * whose it was. A holder that cannot be proven gone — on another machine, or recorded before
 * frost recorded boot ids — is never taken over: it is waited for, or reported.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { link, mkdir, open, readFile, readdir, rename, unlink } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { basename, dirname, join } from "node:path";
import { realTimers, type Timers } from "../timers.js";
import { currentProcess, liveness, type Liveness } from "../process/identity.js";
import { syncDirectory } from "../process/sync-dir.js";
import { LockHeldError, LockNotFoundError, StaleLockError } from "./errors.js";
import { lockPath, locksDir, parseLock, serializeLock } from "./lock-file.js";
import type { LockRecord } from "./lock-record.js";

export { CorruptLockError, LockHeldError, LockNotFoundError, StaleLockError } from "./errors.js";
export { lockPath } from "./lock-file.js";
export type { LockRecord } from "./lock-record.js";

export { defaultStateDir } from "../state-dir.js";

/**
 * How to take a host's lock. `key` is what is locked (default: `uri`). `command` is the run's argv
 * joined with spaces, shown to whoever finds the host locked. `timeoutMs` is how long to wait for
 * a live holder (0: try once); `pollMs` (default 250) is how often to look again meanwhile.
 */
export interface AcquireHostLockOptions {
  uri: string;
  key?: string;
  stateDir: string;
  command: string;
  timeoutMs: number;
  pollMs?: number;
  /** What the wait for a live holder is timed and spent by; default the real timers. */
  timers?: Timers;
}

/**
 * A held host lock. `release()` removes the lock file only while it still holds `record.id`, so
 * it never removes a lock that was force-unlocked and taken by another run; it resolves true when
 * it removed the file, and is idempotent. `releaseSync()` does the same for `process.on("exit")`.
 * `tookOver` is set when this lock was taken over from a holder proven gone: who, and why gone.
 */
export interface HostLock {
  readonly record: LockRecord;
  readonly path: string;
  readonly tookOver?: { holder: LockRecord; why: string };
  release(): Promise<boolean>;
  releaseSync(): boolean;
}

/**
 * Takes the lock of `key` (default `uri`), waiting up to `timeoutMs` for a live holder to release
 * it, and taking it over at once from a holder proven gone. Throws `LockHeldError` (naming the
 * holder) when the wait runs out, `StaleLockError` at once for a holder of this machine whose pid
 * no longer runs but whose record lacks what would prove it gone (a lock of an older frost), and
 * `CorruptLockError` at once for an unreadable file.
 */
export async function acquireHostLock(options: AcquireHostLockOptions): Promise<HostLock> {
  const { uri, stateDir, command } = options;
  const key = options.key ?? uri;
  const pollMs = options.pollMs ?? 250;
  const path = lockPath(key, stateDir);
  await mkdir(dirname(path), { recursive: true });
  const self = currentProcess();
  const record: LockRecord = {
    version: 1,
    id: randomBytes(8).toString("hex"),
    uri,
    ...(key !== uri ? { key } : {}),
    ...self,
    command,
    startedAt: new Date().toISOString(),
  };
  const timers = options.timers ?? realTimers;
  const deadline = timers.now() + Math.max(0, options.timeoutMs);
  for (;;) {
    if (await tryCreate(path, record)) return heldLock(path, record);
    const holder = await readLockAt(path);
    if (holder === undefined) continue; // released between our attempt and our read: try again now
    const state = liveness(holder, self);
    if (state.state === "gone") {
      if (await takeOver(path, holder, record)) return heldLock(path, record, { holder, why: state.why });
      // Another run is taking it over, or took it: look again in a moment.
      await timers.sleep(10);
      continue;
    }
    if (legacyDead(holder, state)) throw new StaleLockError(holder);
    const left = deadline - timers.now();
    if (left <= 0) throw new LockHeldError(holder);
    await timers.sleep(Math.min(pollMs, left));
  }
}

/**
 * A holder on this machine whose pid no longer runs, recorded without a boot id (by a frost that
 * did not record one): most likely gone, but not provably (the pid may be of an earlier boot, or
 * of a machine of the same name), so it is reported, never taken over.
 */
function legacyDead(holder: LockRecord, state: Liveness): boolean {
  if (state.state !== "unknown" || holder.bootId !== undefined) return false;
  const self = currentProcess();
  if (holder.hostname !== self.hostname) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Replaces the lock of a holder proven gone with `record`. Two runs may find the same dead holder
 * at once: the replacement is done under a mutex every run of this machine shares (an abstract
 * Unix socket, which the kernel frees when its process dies, so a taker killed midway never blocks
 * the next), and only while the file still holds that holder. False when another run got there
 * first; the caller looks again.
 */
async function takeOver(path: string, stale: LockRecord, record: LockRecord): Promise<boolean> {
  const mutex = await bindMutex(`frost-lock-takeover-${basename(path)}`);
  if (!mutex) return false;
  try {
    const now = await readLockAt(path).catch(() => undefined);
    if (now?.id !== stale.id) return false;
    // rename() replaces the file in one step: it never stops existing, so no plain acquirer (whose
    // link() needs the name free) can slip in between, and the taker alone holds the lock after.
    const tmp = await writeTemp(path, record);
    try {
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
    await syncDirectory(dirname(path));
    return true;
  } finally {
    await new Promise<void>((resolve) => mutex.close(() => resolve()));
  }
}

/** Writes `record` to a private temp file beside `path` (O_EXCL), synced; returns its name. */
async function writeTemp(path: string, record: LockRecord): Promise<string> {
  const tmp = `${path}.${record.id}.tmp`;
  const file = await open(tmp, "wx", 0o644);
  try {
    await file.writeFile(serializeLock(record));
    await file.sync();
  } finally {
    await file.close();
  }
  return tmp;
}

/** Binds the abstract Unix socket `name` (Linux), or returns undefined when a live process holds it. */
function bindMutex(name: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (e: NodeJS.ErrnoException) => (e.code === "EADDRINUSE" ? resolve(undefined) : reject(e)));
    server.listen({ path: `\0${name}` }, () => {
      server.unref();
      resolve(server);
    });
  });
}

/** The current holder of the lock of `key` (a URI), or undefined when it is free; `CorruptLockError` if unreadable. */
export async function readHostLock(key: string, stateDir: string): Promise<LockRecord | undefined> {
  return readLockAt(lockPath(key, stateDir));
}

/**
 * Removes the lock whose ID is `id`, whichever host it is for, and returns what it removed; throws
 * `LockNotFoundError` when no lock holds that ID. Corrupt lock files are skipped: they hold no ID.
 * This is the operator's override: it does not check whether the holder is alive.
 */
export async function forceUnlock(id: string, stateDir: string): Promise<LockRecord> {
  const dir = locksDir(stateDir);
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return [];
    throw e;
  });
  for (const name of names.filter((n) => n.endsWith(".lock")).sort()) {
    const path = join(dir, name);
    const holder = await readLockAt(path).catch(() => undefined);
    if (holder?.id === id && (await unlinkIfPresent(path))) return holder;
  }
  throw new LockNotFoundError(id, dir);
}

/**
 * Creates the lock file with `record` in it, or returns false when it exists. The record is written
 * and fsynced to a private temp file first, then `link()`ed into place: link is atomic and fails
 * with EEXIST when the name is taken, so the lock file appears already complete. The alternative,
 * `open(path, "wx")` then write, leaves a moment where the file exists but is empty or partial, and a
 * concurrent run reading it then would see a "corrupt" lock; link is also the O_EXCL that NFS honours.
 */
async function tryCreate(path: string, record: LockRecord): Promise<boolean> {
  const tmp = await writeTemp(path, record);
  try {
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    await unlink(tmp);
  }
  // So that the new name survives a power cut: a lock lost in a crash would let two runs in after it.
  await syncDirectory(dirname(path));
  return true;
}

async function readLockAt(path: string): Promise<LockRecord | undefined> {
  try {
    return parseLock(await readFile(path, "utf8"), path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

async function unlinkIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}

// Between reading the file and unlinking it, the lock could change hands only through a
// force-unlock and a new acquire in that instant; there is no portable compare-and-unlink.
function heldLock(path: string, record: LockRecord, tookOver?: { holder: LockRecord; why: string }): HostLock {
  let released = false;
  return {
    record,
    path,
    ...(tookOver ? { tookOver } : {}),
    async release() {
      if (released) return false;
      released = true;
      const holder = await readLockAt(path).catch(() => undefined);
      return holder?.id === record.id && unlinkIfPresent(path);
    },
    releaseSync() {
      if (released) return false;
      released = true;
      return ownsSync(path, record.id) && unlinkSyncIfPresent(path);
    },
  };
}

function ownsSync(path: string, id: string): boolean {
  try {
    return parseLock(readFileSync(path, "utf8"), path).id === id;
  } catch {
    return false;
  }
}

function unlinkSyncIfPresent(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}
