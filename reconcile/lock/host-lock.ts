/**
 * The host lock: one frost run acts on one libvirt host at a time (guarantee 6).
 *
 * A lock is a file per libvirt URI, `<stateDir>/locks/<digest>.lock`, holding a `LockRecord`.
 * Commands that change a host (apply, snapshot, thaw, watch's passes) take it; read-only commands
 * (validate, plan, show, status) do not, so that a plan can always be read while an apply runs —
 * choosing which is the CLI's business, not this module's.
 *
 * The lock is advisory and local to the state directory: two machines acting on one remote
 * `qemu+ssh://` host are only serialised if they share that directory. A lock left by a dead
 * process is reported (`StaleLockError`), never taken over silently; see there for why.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { link, mkdir, open, readFile, readdir, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LockHeldError, LockNotFoundError, StaleLockError } from "./errors.js";
import { type LockRecord, lockPath, locksDir, parseLock, serializeLock } from "./lock-file.js";

export { CorruptLockError, LockHeldError, LockNotFoundError, StaleLockError } from "./errors.js";
export { type LockRecord, lockPath } from "./lock-file.js";

export { defaultStateDir } from "../state-dir.js";

/**
 * How to take a host's lock. `command` is the run's argv joined with spaces, shown to whoever
 * finds the host locked. `timeoutMs` is how long to wait for a live holder (0: try once);
 * `pollMs` (default 250) is how often to look again meanwhile.
 */
export interface AcquireHostLockOptions {
  uri: string;
  stateDir: string;
  command: string;
  timeoutMs: number;
  pollMs?: number;
}

/**
 * A held host lock. `release()` removes the lock file only while it still holds `record.id`, so
 * it never removes a lock that was force-unlocked and taken by another run; it resolves true when
 * it removed the file, and is idempotent. `releaseSync()` does the same for `process.on("exit")`.
 */
export interface HostLock {
  readonly record: LockRecord;
  readonly path: string;
  release(): Promise<boolean>;
  releaseSync(): boolean;
}

/**
 * Takes the lock of `uri`, waiting up to `timeoutMs` for a live holder to release it. Throws
 * `LockHeldError` (naming the holder) when the wait runs out, `StaleLockError` at once when the
 * holder is a dead process of this machine, and `CorruptLockError` at once for an unreadable file.
 * A holder on another machine cannot be checked, so it counts as live.
 */
export async function acquireHostLock(options: AcquireHostLockOptions): Promise<HostLock> {
  const { uri, stateDir, command } = options;
  const pollMs = options.pollMs ?? 250;
  const path = lockPath(uri, stateDir);
  await mkdir(dirname(path), { recursive: true });
  const record: LockRecord = {
    version: 1,
    id: randomBytes(8).toString("hex"),
    uri,
    pid: process.pid,
    hostname: hostname(),
    command,
    startedAt: new Date().toISOString(),
  };
  const deadline = Date.now() + Math.max(0, options.timeoutMs);
  for (;;) {
    if (await tryCreate(path, record)) return heldLock(path, record);
    const holder = await readLockAt(path);
    if (holder === undefined) continue; // released between our attempt and our read: try again now
    if (isStale(holder)) throw new StaleLockError(holder);
    const left = deadline - Date.now();
    if (left <= 0) throw new LockHeldError(holder);
    await sleep(Math.min(pollMs, left));
  }
}

/** The current holder of `uri`'s lock, or undefined when it is free; `CorruptLockError` if unreadable. */
export async function readHostLock(uri: string, stateDir: string): Promise<LockRecord | undefined> {
  return readLockAt(lockPath(uri, stateDir));
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
  const tmp = `${path}.${record.id}.tmp`;
  const file = await open(tmp, "wx", 0o644);
  try {
    await file.writeFile(serializeLock(record));
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    await unlink(tmp);
  }
  await syncDir(dirname(path));
  return true;
}

/** So that the new name survives a power cut: a lock lost in a crash would let two runs in after it. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the lock is still correct, only less durable.
  } finally {
    await handle.close();
  }
}

async function readLockAt(path: string): Promise<LockRecord | undefined> {
  try {
    return parseLock(await readFile(path, "utf8"), path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** A holder is stale only when it is provably gone: on this machine, and its pid no longer runs. */
function isStale(holder: LockRecord): boolean {
  return holder.hostname === hostname() && !processAlive(holder.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user (a root frost seen from a user's).
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
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
function heldLock(path: string, record: LockRecord): HostLock {
  let released = false;
  return {
    record,
    path,
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
