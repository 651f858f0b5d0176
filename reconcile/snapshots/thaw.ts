import type { Hypervisor, SnapshotSession } from "../hypervisor/types.js";

/** How many times a thaw is tried over a fresh connection after the session's own thaw failed. */
const THAW_ATTEMPTS = 3;

/** The guest could not be thawed: it may still be frozen. The journal entry stays for the next run. */
export class ThawFailed extends Error {
  constructor(domain: string, cause: string) {
    super(`could not thaw ${domain}; its filesystems may still be frozen: ${cause}. Run: frost thaw ${domain}`);
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
      if (attempt < THAW_ATTEMPTS) await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
  throw new ThawFailed(domain, last);
}
