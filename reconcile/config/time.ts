import { parseDuration } from "../snapshots/duration.js";
import { Cron } from "croner";
import { suggestKey } from "./suggest.js";
import type { Problem } from "./values.js";

/**
 * Schedule values: cron expressions, time zones and restic durations. Like `values.ts`, each check
 * returns a problem for the caller to report at the value's position.
 */

const CRON_HELP = 'five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *" for 02:00 every day';

/**
 * A five-field cron expression (or a nickname such as `@daily`), as croner reads it. A six- or
 * seven-field expression is refused: frost schedules to the minute, and croner would read the first
 * field as seconds. An expression that never fires (`0 0 30 2 *`) is refused too.
 */
export function checkCron(expr: string, timezone: string | undefined): Problem | undefined {
  const fields = expr.trim().split(/\s+/);
  if (!expr.trim().startsWith("@") && (fields.length === 6 || fields.length === 7)) {
    return {
      problem: {
        summary: `cron "${expr}" has ${fields.length} fields; frost takes 5 (no seconds${fields.length === 7 ? " or years" : ""})`,
        detail: `${CRON_HELP}; did you mean "${fields.slice(1, 6).join(" ")}"?`,
      },
    };
  }
  if (fields.length === 5 && fields.slice(0, 2).some((f) => f.includes("?"))) {
    // croner replaces `?` in these fields with the time it starts, which would move the schedule on every run.
    return {
      problem: {
        summary: `cron "${expr}" has "?" in the minute or hour field`,
        detail: `write the minute and hour explicitly (or *); ${CRON_HELP}`,
      },
    };
  }
  let job: Cron;
  try {
    job = new Cron(expr, { mode: "5-part", timezone: timezone ?? "UTC", paused: true });
  } catch (err) {
    const msg = (err instanceof Error ? err.message : String(err)).replace(/^CronPattern:\s*/, "");
    return { problem: { summary: `invalid cron "${expr}": ${msg}`, detail: CRON_HELP } };
  }
  const next = job.nextRun();
  job.stop();
  if (next === null) {
    return { problem: { summary: `cron "${expr}" never fires`, detail: `check the day and month fields; ${CRON_HELP}` } };
  }
  return undefined;
}

/** An IANA time zone name, as the runtime's Intl knows it. */
export function checkTimezone(tz: string): Problem | undefined {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: tz });
    if (tz.trim() !== "") return undefined;
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
  }
  const guess = suggestKey(tz, Intl.supportedValuesOf("timeZone"));
  return {
    problem: {
      summary: `unknown time zone "${tz}"`,
      detail: `${guess !== undefined ? `did you mean ${guess}? ` : ""}use an IANA time zone name such as UTC, Europe/Berlin or America/New_York`,
    },
  };
}

/** A restic duration (`1y2m3d4h`, parts in any order, as restic takes them), or the problem with it. */
export function checkDuration(text: string): Problem | undefined {
  try {
    parseDuration(text);
    return undefined;
  } catch (e) {
    return { problem: { summary: `"${text}" is not a restic duration`, detail: (e as Error).message } };
  }
}
