import type { Timers } from "../../reconcile/timers.js";

/** Timers whose time moves only when frost sleeps: a wait of minutes passes at once, and `now` says how long it was. */
export interface VirtualTimers extends Timers {
  /** Virtual milliseconds spent so far. */
  readonly elapsed: number;
}

/**
 * Virtual timers for tests. `sleep(ms)` moves the time on by `ms` (firing, in order, every
 * `setTimeout` callback that falls due on the way) and resolves on the next turn of the event loop;
 * an aborted signal ends it without moving the time.
 */
export function virtualTimers(): VirtualTimers {
  let now = 0;
  let nextId = 0;
  const due = new Map<number, { at: number; callback: () => void }>();
  const advanceTo = (to: number) => {
    for (;;) {
      const next = [...due.entries()].filter(([, t]) => t.at <= to).sort(([, a], [, b]) => a.at - b.at)[0];
      if (!next) break;
      due.delete(next[0]);
      now = next[1].at;
      next[1].callback();
    }
    now = to;
  };
  return {
    get elapsed() {
      return now;
    },
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      due.set(id, { at: now + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout(handle) {
      due.delete(handle as number);
    },
    sleep(ms, signal) {
      if (!signal?.aborted) advanceTo(now + Math.max(0, ms));
      return new Promise((resolve) => setImmediate(resolve));
    },
  };
}
