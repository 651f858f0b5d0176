/**
 * The time source of the watch loop, injected so that tests can drive it. `setTimeout` returns a
 * handle that only `clearTimeout` of the same implementation understands; `now` is in milliseconds.
 */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/** The real timers, looked up at each call so that vitest's fake timers also apply to them. */
export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};
