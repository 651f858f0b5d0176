import { UserError } from "../diagnostics.js";
import type { LockRecord } from "./lock-file.js";

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
 * The host's lock was left by a process of this machine that no longer runs: a frost run that
 * crashed or was killed. frost does not take such a lock over by itself: that run may have left a
 * guest frozen or a change half-done, and the operator should look before clearing it with
 * `frost force-unlock <ID>`.
 */
export class StaleLockError extends UserError {
  constructor(readonly holder: LockRecord) {
    super(
      `host ${holder.uri} is locked by ${describeHolder(holder)}, but that process is no longer running; ` +
        `once you have checked the host, clear the lock with: frost force-unlock ${holder.id}`,
      "A run that stopped midway may have left a guest frozen: `frost status` shows it, and the next `frost apply` thaws it.",
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
