/** The time source of the engine, injected so that planning and schedules are testable. */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that always says `at`; for tests and for replaying a saved plan's moment. */
export function fixedClock(at: Date | string): Clock {
  const t = new Date(at);
  return { now: () => new Date(t) };
}
