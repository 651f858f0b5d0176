import { UserError } from "../diagnostics.js";
import type { LockRecord } from "./lock-record.js";

/** `pid 1234 on hostX (frost apply -c prod/), since 2026-11-25T10:00:00Z, lock ID 3f9a…` */
function describeHolder(h: LockRecord): string {
  return `frost pid ${h.pid} on ${h.hostname} (${h.command}), since ${h.startedAt}, lock ID ${h.id}`;
}

/**
 * Another frost run holds the host's lock, and it did not go away within the wait allowed.
 * The holder may be alive, or on another machine where frost cannot check it; either way the
 * answer is to wait, not to take the lock. `holder` is the lock as read.
 */
export class LockHeldError extends UserError {
  constructor(readonly holder: LockRecord) {
    super(`host ${holder.uri} is locked by ${describeHolder(holder)}; wait for it to finish, or pass --lock-timeout`);
    this.name = "LockHeldError";
  }
}

/**
 * The host's lock was left by a process of this machine that no longer runs, but its record lacks
 * the boot id that would prove it gone (an older frost wrote it): the pid may be of an earlier
 * boot, or of another machine of the same name. frost does not take such a lock over by itself;
 * the operator clears it with `frost force-unlock <ID>`. Locks written by this frost record the
 * boot id and are taken over when their holder is provably gone (host-lock.ts).
 */
export class StaleLockError extends UserError {
  constructor(readonly holder: LockRecord) {
    super(
      `host ${holder.uri} is locked by ${describeHolder(holder)}, but that process is no longer running; ` +
        `its lock does not record the boot id that would prove it gone, so frost does not take it over. ` +
        `Once you have checked the host, clear the lock with: frost force-unlock ${holder.id}`,
      "A run that stopped midway may have left a guest frozen: `frost thaw --all` thaws it whatever the lock.",
    );
    this.name = "StaleLockError";
  }
}

/**
 * A lock file that frost cannot read as a lock (bad JSON, missing fields). It is reported, never
 * deleted silently: it may be a newer frost's format, or a sign that something else writes there.
 */
export class CorruptLockError extends UserError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`the lock file ${path} is corrupt: ${reason}`, `If no frost run is acting on that host, remove it by hand: rm ${path}`);
    this.name = "CorruptLockError";
  }
}

/** `frost force-unlock ID` named an ID that no lock file in the state directory holds. */
export class LockNotFoundError extends UserError {
  constructor(
    readonly id: string,
    readonly dir: string,
  ) {
    super(`no lock with ID ${id} in ${dir}`, "The run may have finished and released it already.");
    this.name = "LockNotFoundError";
  }
}
