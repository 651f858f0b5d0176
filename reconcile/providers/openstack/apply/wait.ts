import { realTimers, type Timers } from "../../../timers.js";

/** How long apply waits for OpenStack, and how often it looks. */
export interface OpenStackWaits {
  /** Between two reads of a resource being built (default 1 s). */
  pollMs?: number;
  /** A server to become ACTIVE (or SHUTOFF) after boot, rebuild, start or stop (default 5 min). */
  serverMs?: number;
  /** A snapshot image to become active (default 10 min). */
  snapshotMs?: number;
  /** The guest-ping frost sends before a snapshot (default 5 s). */
  pingMs?: number;
  /** What the polls are timed and spent by (the run's, `Env.timers`); default the real timers. */
  timers?: Timers;
}

export const DEFAULT_WAITS: Required<OpenStackWaits> = {
  pollMs: 1_000,
  serverMs: 300_000,
  snapshotMs: 600_000,
  pingMs: 5_000,
  timers: realTimers,
};

/**
 * Polls `read` until `done` says it is finished (returns the value) or failed (throws its message),
 * or the deadline passes (throws `timeout()`'s message). Every wait of frost's on OpenStack has a deadline.
 */
export async function waitFor<T>(
  read: () => Promise<T>,
  decide: (value: T) => "done" | "wait" | { failed: string },
  waits: { pollMs: number; deadlineMs: number; timers: Timers },
  timeout: (last: T | undefined) => string,
): Promise<T> {
  const { timers } = waits;
  const deadline = timers.now() + waits.deadlineMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    const verdict = decide(last);
    if (verdict === "done") return last;
    if (verdict !== "wait") throw new Error(verdict.failed);
    if (timers.now() >= deadline) throw new Error(timeout(last));
    await timers.sleep(Math.min(waits.pollMs, Math.max(0, deadline - timers.now())));
  }
}
