/**
 * The time frost waits by, injected so that tests can drive it: every deadline and every pause of
 * the engine (the agent wait after a hot-plug, a held freeze, the pauses between thaw attempts,
 * OpenStack's polls, the watch loop) is computed from `now` and spent in `sleep` or `setTimeout`.
 * `now` is monotonic milliseconds, not the wall clock (that is `Clock`: a plan's time may be
 * pretended, a deadline never is). `setTimeout` returns a handle that only `clearTimeout` of the
 * same implementation understands.
 */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real timers, looked up at each call so that vitest's fake timers also apply to them. */
export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
    }),
};
