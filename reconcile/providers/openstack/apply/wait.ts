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
}

export const DEFAULT_WAITS: Required<OpenStackWaits> = { pollMs: 1_000, serverMs: 300_000, snapshotMs: 600_000, pingMs: 5_000 };

/**
 * Polls `read` until `done` says it is finished (returns the value) or failed (throws its message),
 * or the deadline passes (throws `timeout()`'s message). Every wait of frost's on OpenStack has a deadline.
 */
export async function waitFor<T>(
  read: () => Promise<T>,
  decide: (value: T) => "done" | "wait" | { failed: string },
  waits: { pollMs: number; deadlineMs: number },
  timeout: (last: T | undefined) => string,
): Promise<T> {
  const deadline = Date.now() + waits.deadlineMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    const verdict = decide(last);
    if (verdict === "done") return last;
    if (verdict !== "wait") throw new Error(verdict.failed);
    if (Date.now() >= deadline) throw new Error(timeout(last));
    await new Promise((r) => setTimeout(r, Math.min(waits.pollMs, Math.max(0, deadline - Date.now()))));
  }
}
