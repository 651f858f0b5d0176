import { Cron } from "croner";

/**
 * When a schedule is due: cron ticks in the schedule's time zone, read with croner exactly as the
 * config loader validates them (`config/time.ts`: 5-part mode, the zone, paused). Pure: every
 * function takes the clock as an argument and does no I/O.
 *
 * Time-zone rules are croner's (Vixie cron's, see its README), not Go's `time.Date` as in
 * `zoned-time.ts`:
 * - fixed-time jobs (one value in each of minute and hour, e.g. `30 2 * * *`): a wall time skipped
 *   by a spring-forward runs at the first valid time after the gap, the same day (03:00 local); a wall
 *   time that happens twice at a fall-back runs once, at the first occurrence;
 * - interval jobs (a `*`, step, range or list in minute or hour, e.g. `0 * * * *`): skipped times
 *   are skipped, repeated times run on both occurrences, so an hourly schedule ticks every real hour.
 */

/**
 * How far back `latestTick` looks: 8 years and a day, the longest gap of any expression that fires
 * (`0 0 29 2 *` across a century year that is not a leap year: 2096 to 2104).
 */
const LOOKBACK_MS = (8 * 366 + 1) * 86_400_000;
/** Missed ticks are counted one by one up to this many, then reported as capped. */
const MISSED_COUNT_LIMIT = 1000;
/** `cronPeriodMs` samples this many days after `from`, or this many ticks if that comes first. */
const PERIOD_WINDOW_DAYS = 400;
const PERIOD_MAX_TICKS = 2000;

/** The job for an expression, constructed as `checkCron` does so validation and scheduling agree. */
function job(cron: string, timezone: string): Cron {
  return new Cron(cron, { mode: "5-part", timezone, paused: true });
}

/**
 * The latest tick at or before `now` (a tick exactly at `now` counts); undefined when the expression
 * has not fired within the lookback (8 years, enough for any expression that fires at all).
 * Throws croner's error for an expression the config loader would have refused.
 */
export function latestTick(cron: string, timezone: string, now: Date): Date | undefined {
  // previousRuns is strictly before its reference; ticks are whole seconds, so 1 ms later makes it "at or before".
  const prev = job(cron, timezone).previousRuns(1, new Date(now.getTime() + 1))[0];
  return prev !== undefined && now.getTime() - prev.getTime() <= LOOKBACK_MS ? prev : undefined;
}

/** The first tick strictly after `after`; undefined when the expression never fires again. */
export function nextTick(cron: string, timezone: string, after: Date): Date | undefined {
  return job(cron, timezone).nextRun(after) ?? undefined;
}

/** A tick to snapshot now, and how many were passed over to get to it. */
export interface Due {
  /** The tick the snapshot is for (its `scheduledAt`, which names it): the latest tick at or before now. */
  scheduledAt: Date;
  /**
   * Ticks strictly between the newest snapshot's `scheduledAt` and `scheduledAt`: skipped (during
   * downtime, or a pause) and never taken. 0 when on time and for a schedule's first snapshot.
   */
  missedTicks: number;
  /** True when there were more missed ticks than were counted (`missedTicks` is then a lower bound). */
  missedCapped: boolean;
}

/**
 * Whether a schedule is due at `now`: its latest tick at or before `now`, when that is newer than the
 * newest snapshot it took (`newestScheduledAt`). After downtime that is ONE catch-up snapshot, for the
 * latest tick; the ticks before it are counted in `missedTicks`, not taken. A snapshot exactly at the
 * latest tick means not due. A schedule that has no snapshot yet (`newestScheduledAt` undefined) is
 * due at its latest tick, so a new schedule takes its first snapshot right away rather than waiting
 * for its next tick. Undefined when not due (or when the expression has not fired within the lookback).
 */
export function dueTick(cron: string, timezone: string, newestScheduledAt: Date | undefined, now: Date): Due | undefined {
  const latest = latestTick(cron, timezone, now);
  if (latest === undefined) return undefined;
  if (newestScheduledAt === undefined) return { scheduledAt: latest, missedTicks: 0, missedCapped: false };
  if (latest.getTime() <= newestScheduledAt.getTime()) return undefined;
  const j = job(cron, timezone);
  let missed = 0;
  let t: Date | null = newestScheduledAt;
  while (missed < MISSED_COUNT_LIMIT && (t = j.nextRun(t)) !== null && t.getTime() < latest.getTime()) missed++;
  const capped = missed === MISSED_COUNT_LIMIT && t !== null && (t = j.nextRun(t)) !== null && t.getTime() < latest.getTime();
  return { scheduledAt: latest, missedTicks: missed, missedCapped: capped };
}

/**
 * The nominal period of an expression: the longest gap between consecutive ticks from `from` over
 * 400 days (or the first 2000 ticks, whichever ends first, which bounds the cost of dense schedules;
 * sampling continues past the window until at least one gap is seen, so a February 29 schedule gets
 * its years). `frost status` calls a schedule late past 1 period plus grace, missing past 2. In a
 * zone with DST the longest gap includes the extra fall-back hour (a daily schedule in Europe/Berlin
 * is 25 h), which errs on the side of not calling it late. Infinity when it fires fewer than twice.
 */
export function cronPeriodMs(cron: string, timezone: string, from: Date): number {
  const j = job(cron, timezone);
  const end = from.getTime() + PERIOD_WINDOW_DAYS * 86_400_000;
  let longest = -Infinity;
  let prev = j.nextRun(from);
  for (let n = 0; prev !== null && n < PERIOD_MAX_TICKS; n++) {
    const next = j.nextRun(prev);
    if (next === null) break;
    longest = Math.max(longest, next.getTime() - prev.getTime());
    if (next.getTime() > end) break;
    prev = next;
  }
  return longest === -Infinity ? Infinity : longest;
}
