import type { KeepPolicy } from "../config/types.js";
import { formatDuration, isZeroDuration, parseDuration, type ResticDuration } from "./duration.js";
import { addDate, isoWeek, utcMillis, wallClock, type WallClock } from "./zoned-time.js";

/**
 * Which snapshots a `keep:` policy keeps, with restic's `forget --keep-*` semantics. Pure: the
 * caller passes the snapshots (of one instance and schedule) and gets back what to keep and what to
 * remove, each newest first, with the reasons for every kept snapshot.
 *
 * The rules, as restic applies them: snapshots are sorted newest first (stable for equal times).
 * `last` keeps the newest n; `hourly` … `yearly` keep the newest snapshot of each hour, day, ISO week,
 * month or year (in the given zone) until n such periods are kept; when a count is left at the oldest
 * snapshot, it is kept too. `within` keeps everything newer than the newest snapshot minus the
 * duration; `withinDaily` and the like keep the newest snapshot of each period inside that window.
 * A snapshot is kept if any rule keeps it. A policy with no rule (all counts 0, all durations zero)
 * keeps everything, as restic's `forget` refuses to remove anything without a policy.
 */

/** One snapshot as retention sees it: an id, when it was taken, and whatever the caller carries along. */
export interface RetentionItem<T> {
  id: string;
  time: Date;
  value: T;
}

/** What retention decided for one item. `reasons` says which rules keep it; empty for a removed item. */
export interface RetentionDecision<T> {
  item: RetentionItem<T>;
  reasons: string[];
}

/** The outcome of a policy: every item lands in exactly one list; both lists are newest first. */
export interface RetentionResult<T> {
  keep: RetentionDecision<T>[];
  remove: RetentionDecision<T>[];
}

/** How to read times. */
export interface RetentionOptions {
  /** IANA zone whose wall clock defines hours, days, weeks, months and years; default "UTC". */
  timezone?: string;
  /**
   * The present. Snapshots at or after it are "in the future" and, as in restic, are not the newest
   * snapshot that `within*` windows count back from (they are still kept or removed by the rules).
   * Unset: no snapshot is in the future. Pass the clock's time to match restic exactly.
   */
  now?: Date;
}

/** The reason given for every snapshot when the policy has no rule. */
export const EMPTY_POLICY_REASON = "empty policy keeps all";

type Period = "hourly" | "daily" | "weekly" | "monthly" | "yearly";

const PERIODS: readonly Period[] = ["hourly", "daily", "weekly", "monthly", "yearly"];

type WithinKey = "within" | "withinHourly" | "withinDaily" | "withinWeekly" | "withinMonthly" | "withinYearly";

const WITHIN_OF: Record<Period, WithinKey> = {
  hourly: "withinHourly",
  daily: "withinDaily",
  weekly: "withinWeekly",
  monthly: "withinMonthly",
  yearly: "withinYearly",
};

/** The period a wall clock falls in; equal keys mean the same hour, day, ISO week, month or year. */
function periodKey(period: Period, w: WallClock): string {
  switch (period) {
    case "hourly":
      return `${w.year}-${w.month}-${w.day}T${w.hour}`;
    case "daily":
      return `${w.year}-${w.month}-${w.day}`;
    case "weekly": {
      const iso = isoWeek(w.year, w.month, w.day);
      return `${iso.year}-W${iso.week}`;
    }
    case "monthly":
      return `${w.year}-${w.month}`;
    case "yearly":
      return `${w.year}`;
  }
}

/** A rule that keeps the newest snapshot of each new bucket; `remaining` -1 is unlimited. */
interface BucketRule {
  reason: string;
  remaining: number;
  /** Only snapshots newer than this (ms since the epoch) take part. */
  after: number;
  key: (index: number, w: WallClock) => string;
  lastKey: string | undefined;
}

function count(policy: KeepPolicy, name: "last" | Period): number {
  const n = policy[name] ?? 0;
  if (!Number.isInteger(n) || n < -1) {
    throw new RangeError(`keep.${name} must be a whole number, 0 or more, or -1 for all; got ${n}`);
  }
  return n;
}

function duration(policy: KeepPolicy, name: WithinKey): ResticDuration | undefined {
  const text = policy[name];
  if (text === undefined) return undefined;
  let d: ResticDuration;
  try {
    d = parseDuration(text);
  } catch (err) {
    throw new RangeError(`keep.${name}: ${(err as Error).message}`);
  }
  return isZeroDuration(d) ? undefined : d;
}

/** Go's zero time (0001-01-01 UTC): restic's reference when every snapshot is in the future. */
const GO_ZERO_TIME = utcMillis({ year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 });

/** The newest snapshot time before `now`, which `within*` windows count back from, and its zone. */
function reference(sorted: readonly RetentionItem<unknown>[], zone: string, now: Date | undefined): { at: number; zone: string } {
  const limit = now === undefined ? Infinity : now.getTime();
  const newest = sorted.find((it) => it.time.getTime() < limit);
  return newest === undefined ? { at: GO_ZERO_TIME, zone: "UTC" } : { at: newest.time.getTime(), zone };
}

/** The start of a window: exclusive, as restic keeps snapshots strictly after it. */
function windowStart(ref: { at: number; zone: string }, d: ResticDuration): number {
  const t = addDate(ref.at, ref.zone, -d.years, -d.months, -d.days) - d.hours * 3_600_000;
  return Number.isNaN(t) ? -Infinity : t; // beyond the Date range: everything is inside
}

/** Applies a keep policy to snapshots; see the module comment for the rules. Throws a RangeError on a bad policy or zone. */
export function applyRetention<T>(
  items: readonly RetentionItem<T>[],
  policy: KeepPolicy,
  options: RetentionOptions = {},
): RetentionResult<T> {
  const zone = options.timezone ?? "UTC";
  wallClock(0, zone); // an unknown zone is an error even with nothing to sort
  for (const it of items) {
    if (Number.isNaN(it.time.getTime())) throw new RangeError(`snapshot ${it.id} has an invalid time`);
  }
  const sorted = [...items].sort((a, b) => b.time.getTime() - a.time.getTime());

  const last = count(policy, "last");
  const counts = PERIODS.map((p) => [p, count(policy, p)] as const);
  const within = duration(policy, "within");
  const withins = PERIODS.map((p) => [p, duration(policy, WITHIN_OF[p])] as const);
  const empty = last === 0 && counts.every(([, n]) => n === 0) && within === undefined && withins.every(([, d]) => d === undefined);
  if (empty) return { keep: sorted.map((item) => ({ item, reasons: [EMPTY_POLICY_REASON] })), remove: [] };

  const ref = reference(sorted, zone, options.now);
  const rules: BucketRule[] = [];
  if (last !== 0) rules.push({ reason: "last snapshot", remaining: last, after: -Infinity, key: (i) => String(i), lastKey: undefined });
  for (const [p, n] of counts) {
    if (n !== 0)
      rules.push({ reason: `${p} snapshot`, remaining: n, after: -Infinity, key: (_, w) => periodKey(p, w), lastKey: undefined });
  }
  for (const [p, d] of withins) {
    if (d !== undefined) {
      rules.push({
        reason: `${p} within ${formatDuration(d)}`,
        remaining: -1,
        after: windowStart(ref, d),
        key: (_, w) => periodKey(p, w),
        lastKey: undefined,
      });
    }
  }
  const withinReason = within === undefined ? undefined : `within ${formatDuration(within)}`;
  const withinAfter = within === undefined ? Infinity : windowStart(ref, within);

  const keep: RetentionDecision<T>[] = [];
  const remove: RetentionDecision<T>[] = [];
  sorted.forEach((item, i) => {
    const t = item.time.getTime();
    const oldest = i === sorted.length - 1;
    const w = wallClock(t, zone);
    const reasons: string[] = [];
    if (withinReason !== undefined && t > withinAfter) reasons.push(withinReason);
    for (const rule of rules) {
      if (rule.remaining === 0 || !(t > rule.after)) continue;
      const key = rule.key(i, w);
      if (key === rule.lastKey && !oldest) continue;
      // The oldest snapshot is kept while a count is left, even in an already kept bucket.
      reasons.push(key === rule.lastKey ? `oldest ${rule.reason}` : rule.reason);
      rule.lastKey = key;
      if (rule.remaining > 0) rule.remaining--;
    }
    (reasons.length > 0 ? keep : remove).push({ item, reasons });
  });
  return { keep, remove };
}
