/**
 * restic's calendar durations (`1y2m3d4h`), as `forget --keep-within*` takes them. Unlike a fixed
 * span, years, months and days are calendar steps: they are subtracted from a wall-clock date.
 */

/** A restic duration: whole years, months, days and hours, each >= 0. */
export interface ResticDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

const UNITS = { y: "years", m: "months", d: "days", h: "hours" } as const;

const HELP = "write numbers with the units y (years), m (months), d (days), h (hours), e.g. 7d, 2m, 1y6m or 3d12h";

/**
 * Parses a restic duration. Like restic, the parts may come in any order (`1y1d1m` is one year, one
 * month and a day) and surrounding blanks are ignored. Stricter than restic: the text must hold at
 * least one part, each unit at most once, and no negative numbers (restic's `forget` refuses those).
 * Throws a RangeError saying what is wrong.
 */
export function parseDuration(text: string): ResticDuration {
  const s = text.trim();
  const d: ResticDuration = { years: 0, months: 0, days: 0, hours: 0 };
  if (s === "") throw new RangeError(`empty duration: ${HELP}`);
  const seen = new Set<string>();
  const part = /(\d*)([^\d]?)/y;
  let at = 0;
  while (at < s.length) {
    part.lastIndex = at;
    const m = part.exec(s);
    const digits = m?.[1] ?? "";
    const unit = m?.[2] ?? "";
    if (digits === "" && s[at] === "-") throw new RangeError(`invalid duration "${text}": negative durations are not allowed`);
    if (digits === "") {
      throw new RangeError(`invalid duration "${text}": expected a number at "${s.slice(at)}"; ${HELP}`);
    }
    if (unit === "") throw new RangeError(`invalid duration "${text}": no unit after ${digits}; ${HELP}`);
    if (!(unit in UNITS)) throw new RangeError(`invalid duration "${text}": unknown unit "${unit}" after ${digits}; ${HELP}`);
    if (seen.has(unit)) throw new RangeError(`invalid duration "${text}": unit "${unit}" given twice; ${HELP}`);
    const n = Number(digits);
    if (!Number.isSafeInteger(n)) throw new RangeError(`invalid duration "${text}": ${digits} is too large`);
    seen.add(unit);
    d[UNITS[unit as keyof typeof UNITS]] = n;
    at += digits.length + unit.length;
  }
  return d;
}

/** True when every part is 0; restic treats such a duration as not set. */
export function isZeroDuration(d: ResticDuration): boolean {
  return d.years === 0 && d.months === 0 && d.days === 0 && d.hours === 0;
}

/** restic's canonical spelling: non-zero parts in the order y m d h (`1y1d1m` reads back as `1y1m1d`). */
export function formatDuration(d: ResticDuration): string {
  const parts: string[] = [];
  if (d.years !== 0) parts.push(`${d.years}y`);
  if (d.months !== 0) parts.push(`${d.months}m`);
  if (d.days !== 0) parts.push(`${d.days}d`);
  if (d.hours !== 0) parts.push(`${d.hours}h`);
  return parts.join("");
}
