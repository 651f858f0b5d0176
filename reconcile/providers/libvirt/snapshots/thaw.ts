import type { Hypervisor, SnapshotSession } from "../hypervisor.js";
import { realTimers, type Timers } from "../../../timers.js";

/** How many times a thaw is tried over a fresh connection after the session's own thaw failed. */
const THAW_ATTEMPTS = 3;

/** The pauses between those attempts, in ms (attempt n waits 500 × n before the next). */
const THAW_PAUSE_MS = 500;

/**
 * The longest `ensureThawed` can take with `timeoutMs` per attempt: the session's thaw, then every
 * fresh attempt and the pauses between them. What a freeze session adds to it is in take.ts.
 */
export function thawWorstCaseMs(timeoutMs: number): number {
  let pauses = 0;
  for (let attempt = 1; attempt < THAW_ATTEMPTS; attempt++) pauses += THAW_PAUSE_MS * attempt;
  return timeoutMs * (1 + THAW_ATTEMPTS) + pauses;
}

/** The guest could not be thawed: it may still be frozen. The journal entry stays for the next run. */
export class ThawFailed extends Error {
  /** The guest left frozen, as apply reports it (see apply.ts). */
  readonly stillFrozen: string;

  constructor(
    readonly domain: string,
    cause: string,
  ) {
    super(`could not thaw ${domain}; its filesystems may still be frozen: ${cause}. Run: frost thaw ${domain}`);
    this.stillFrozen = domain;
    this.name = "ThawFailed";
  }
}

/**
 * Thaws `domain` whatever state the session is in: through the session while it is alive, then
 * over fresh connections, a few times with a pause between. Returns the number of filesystems the
 * successful thaw reported; throws ThawFailed when every attempt failed.
 */
export async function ensureThawed(
  hv: Hypervisor,
  session: SnapshotSession | undefined,
  domain: string,
  timeoutMs: number,
  timers: Timers = realTimers,
): Promise<number> {
  let last = "";
  if (session?.alive) {
    try {
      return await session.thaw(timeoutMs);
    } catch (e) {
      last = (e as Error).message;
    }
  }
  for (let attempt = 1; attempt <= THAW_ATTEMPTS; attempt++) {
    try {
      return await hv.thaw(domain, timeoutMs);
    } catch (e) {
      last = (e as Error).message;
      if (attempt < THAW_ATTEMPTS) await timers.sleep(THAW_PAUSE_MS * attempt);
    }
  }
  throw new ThawFailed(domain, last);
}
