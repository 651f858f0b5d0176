/**
 * Wall-clock arithmetic in an IANA time zone, with only the runtime's Intl: reading the local date
 * and hour of an instant, and Go's `time.AddDate` (calendar steps on the wall clock, normalised the
 * way Go normalises, e.g. 31 March minus one month is 3 March), which restic's `--keep-within*` uses.
 */

/** The wall clock of an instant in some zone. `month` is 1-12; `ms` the milliseconds of the second. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        era: "short",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch (err) {
      if (err instanceof RangeError) throw new RangeError(`unknown time zone "${zone}": use an IANA name such as UTC or Europe/Berlin`);
      throw err;
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Milliseconds since the epoch of a wall clock read as UTC; fields out of range carry over like Go's `time.Date`. */
export function utcMillis(w: WallClock): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day); // unlike Date.UTC, keeps years 0-99 as they are
  d.setUTCHours(w.hour, w.minute, w.second, w.ms);
  return d.getTime();
}

/** The zone's offset from UTC at an instant, in milliseconds (positive east of Greenwich). */
export function zoneOffset(epochMs: number, zone: string): number {
  if (zone === "UTC") return 0;
  const whole = Math.floor(epochMs / 1000) * 1000;
  const parts = formatterFor(zone).formatToParts(new Date(whole));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? NaN);
  const era = parts.find((p) => p.type === "era")?.value ?? "AD";
  const year = era.startsWith("B") ? 1 - get("year") : get("year");
  const wall = utcMillis({
    year,
    month: get("month"),
    day: get("day"),
    hour: get("hour"),
    minute: get("minute"),
    second: get("second"),
    ms: 0,
  });
  return wall - whole;
}

/** The wall clock of an instant in a zone. */
export function wallClock(epochMs: number, zone: string): WallClock {
  const d = new Date(epochMs + zoneOffset(epochMs, zone));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
  };
}

/**
 * The instant a wall clock names in a zone, resolved as Go's `time.Date` does: take the offset in
 * force at the wall time read as UTC, and if the instant that gives lies in another offset period,
 * use that period's offset. For a wall time skipped or repeated by a DST change this picks the same
 * instant Go picks (02:30 on a spring-forward night is 01:30 standard time in New York, 03:30 summer
 * time in Berlin), so windows match restic's in any zone.
 */
export function fromWallClock(w: WallClock, zone: string): number {
  const wall = utcMillis(w);
  const guess = zoneOffset(wall, zone);
  return wall - zoneOffset(wall - guess, zone);
}

/** Go's `t.AddDate(years, months, days)` in a zone: calendar steps on the wall clock, then back to an instant. */
export function addDate(epochMs: number, zone: string, years: number, months: number, days: number): number {
  const w = wallClock(epochMs, zone);
  return fromWallClock({ ...w, year: w.year + years, month: w.month + months, day: w.day + days }, zone);
}

/** The ISO 8601 week of a calendar date: weeks start on Monday, week 1 holds the year's first Thursday. */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const DAY = 86_400_000;
  const date = utcMillis({ year, month, day, hour: 0, minute: 0, second: 0, ms: 0 });
  const weekday = (new Date(date).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = date + (3 - weekday) * DAY;
  const isoYear = new Date(thursday).getUTCFullYear();
  const jan1 = utcMillis({ year: isoYear, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 });
  return { year: isoYear, week: Math.floor((thursday - jan1) / DAY / 7) + 1 };
}
