import { describe, expect, it } from "vitest";
import { checkCron } from "../../../reconcile/config/time.js";
import { cronPeriodMs, dueTick, latestTick, nextTick } from "../../../reconcile/snapshots/schedule.js";

const d = (iso: string): Date => new Date(iso);
const iso = (t: Date | undefined): string | undefined => t?.toISOString();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Every tick in [from, to), by nextTick. */
function ticks(cron: string, tz: string, from: Date, to: Date): string[] {
  const out: string[] = [];
  let t = latestTick(cron, tz, from);
  t = t?.getTime() === from.getTime() ? t : nextTick(cron, tz, from);
  while (t !== undefined && t < to) {
    out.push(t.toISOString());
    t = nextTick(cron, tz, t);
  }
  return out;
}

describe("latestTick and nextTick", () => {
  it("puts a now exactly on a tick in that tick; nextTick is strictly after", () => {
    // 02:00:00.000 is the 02:00 tick; one millisecond earlier is still the previous day's.
    expect(iso(latestTick("0 2 * * *", "UTC", d("2024-01-02T02:00:00Z")))).toBe("2024-01-02T02:00:00.000Z");
    expect(iso(latestTick("0 2 * * *", "UTC", d("2024-01-02T01:59:59.999Z")))).toBe("2024-01-01T02:00:00.000Z");
    expect(iso(latestTick("0 2 * * *", "UTC", d("2024-01-02T02:00:00.999Z")))).toBe("2024-01-02T02:00:00.000Z");
    expect(iso(nextTick("0 2 * * *", "UTC", d("2024-01-02T02:00:00Z")))).toBe("2024-01-03T02:00:00.000Z");
    expect(iso(nextTick("0 2 * * *", "UTC", d("2024-01-02T01:59:59.999Z")))).toBe("2024-01-02T02:00:00.000Z");
  });

  it("reads the expression in the schedule's time zone", () => {
    // 02:00 in New York in winter is 07:00 UTC.
    expect(iso(latestTick("0 2 * * *", "America/New_York", d("2024-01-02T12:00:00Z")))).toBe("2024-01-02T07:00:00.000Z");
  });
});

describe("dueTick, daily at 02:00 UTC", () => {
  const cron = "0 2 * * *";

  it("is not due before 02:00 when the previous tick was taken, and due from 02:00", () => {
    const newest = d("2024-01-01T02:00:00Z");
    expect(dueTick(cron, "UTC", newest, d("2024-01-02T01:59:00Z"))).toBeUndefined();
    expect(dueTick(cron, "UTC", newest, d("2024-01-02T02:00:00Z"))).toEqual({
      scheduledAt: d("2024-01-02T02:00:00Z"),
      missedTicks: 0,
      missedCapped: false,
    });
    expect(dueTick(cron, "UTC", newest, d("2024-01-02T09:30:00Z"))?.scheduledAt).toEqual(d("2024-01-02T02:00:00Z"));
  });

  it("is not due when the newest snapshot is exactly at the latest tick", () => {
    expect(dueTick(cron, "UTC", d("2024-01-02T02:00:00Z"), d("2024-01-02T02:00:00Z"))).toBeUndefined();
    expect(dueTick(cron, "UTC", d("2024-01-02T02:00:00Z"), d("2024-01-02T23:59:00Z"))).toBeUndefined();
  });

  it("catches up after 3 days down with one snapshot for the latest tick, counting the 3 skipped", () => {
    // Last snapshot Jan 1 02:00; down until Jan 5 10:00. Ticks Jan 2, 3, 4 are skipped (missedTicks 3),
    // Jan 5 02:00 is the one catch-up snapshot.
    expect(dueTick(cron, "UTC", d("2024-01-01T02:00:00Z"), d("2024-01-05T10:00:00Z"))).toEqual({
      scheduledAt: d("2024-01-05T02:00:00Z"),
      missedTicks: 3,
      missedCapped: false,
    });
  });

  it("makes a new schedule (no snapshot yet) due at its latest tick, so it snapshots right away", () => {
    expect(dueTick(cron, "UTC", undefined, d("2024-01-05T10:00:00Z"))).toEqual({
      scheduledAt: d("2024-01-05T02:00:00Z"),
      missedTicks: 0,
      missedCapped: false,
    });
  });

  it("caps the count of missed ticks after a long outage of a dense schedule", () => {
    // Every minute, down for 30 days: one catch-up, and the count stops at 1000 (a lower bound).
    const due = dueTick("* * * * *", "UTC", d("2024-01-01T00:00:00Z"), d("2024-01-31T00:00:30Z"));
    expect(due).toEqual({ scheduledAt: d("2024-01-31T00:00:00Z"), missedTicks: 1000, missedCapped: true });
  });
});

describe("DST", () => {
  it("runs 02:30 on the spring-forward day at 03:00 local, the first valid time after the gap (croner)", () => {
    // Berlin 2024-03-31: 02:00 CET jumps to 03:00 CEST (01:00Z). croner runs 02:30 at 03:00 CEST, once.
    expect(ticks("30 2 * * *", "Europe/Berlin", d("2024-03-30T00:00:00Z"), d("2024-04-02T00:00:00Z"))).toEqual([
      "2024-03-30T01:30:00.000Z",
      "2024-03-31T01:00:00.000Z",
      "2024-04-01T00:30:00.000Z",
    ]);
    // New York 2024-03-10: 02:00 EST jumps to 03:00 EDT (07:00Z).
    expect(ticks("30 2 * * *", "America/New_York", d("2024-03-09T00:00:00Z"), d("2024-03-12T00:00:00Z"))).toEqual([
      "2024-03-09T07:30:00.000Z",
      "2024-03-10T07:00:00.000Z",
      "2024-03-11T06:30:00.000Z",
    ]);
  });

  it("takes one snapshot for a wall time repeated at fall-back, at its first occurrence", () => {
    // Berlin 2024-10-27: 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET); only the first is a tick.
    const cron = "30 2 * * *";
    expect(ticks(cron, "Europe/Berlin", d("2024-10-26T12:00:00Z"), d("2024-10-28T00:00:00Z"))).toEqual(["2024-10-27T00:30:00.000Z"]);
    expect(dueTick(cron, "Europe/Berlin", d("2024-10-27T00:30:00Z"), d("2024-10-27T01:45:00Z"))).toBeUndefined();
    // New York repeats 01:00-02:00 (2024-11-03, 06:00Z): 01:30 EDT (05:30Z) ticks, 01:30 EST (06:30Z) does not.
    expect(ticks("30 1 * * *", "America/New_York", d("2024-11-02T12:00:00Z"), d("2024-11-04T00:00:00Z"))).toEqual([
      "2024-11-03T05:30:00.000Z",
    ]);
    expect(dueTick("30 1 * * *", "America/New_York", d("2024-11-03T05:30:00Z"), d("2024-11-03T06:45:00Z"))).toBeUndefined();
  });

  it("ticks hourly every real hour: 23 ticks on the spring-forward day, 25 on the fall-back day", () => {
    // Local days in Berlin: 2024-03-31 is 23 h long, 2024-10-27 is 25 h long.
    expect(ticks("0 * * * *", "Europe/Berlin", d("2024-03-30T23:00:00Z"), d("2024-03-31T22:00:00Z"))).toHaveLength(23);
    expect(ticks("0 * * * *", "Europe/Berlin", d("2024-10-26T22:00:00Z"), d("2024-10-27T23:00:00Z"))).toHaveLength(25);
    expect(ticks("0 * * * *", "America/New_York", d("2024-03-10T05:00:00Z"), d("2024-03-11T04:00:00Z"))).toHaveLength(23);
    expect(ticks("0 * * * *", "America/New_York", d("2024-11-03T04:00:00Z"), d("2024-11-04T05:00:00Z"))).toHaveLength(25);
    // A whole fall-back day down: one catch-up at the next local midnight, 24 hourly ticks skipped.
    expect(dueTick("0 * * * *", "Europe/Berlin", d("2024-10-26T22:00:00Z"), d("2024-10-27T23:10:00Z"))).toEqual({
      scheduledAt: d("2024-10-27T23:00:00Z"),
      missedTicks: 24,
      missedCapped: false,
    });
  });
});

describe("month ends and leap days", () => {
  it("skips months without a 31st for 0 0 31 * *", () => {
    expect(iso(latestTick("0 0 31 * *", "UTC", d("2024-05-15T00:00:00Z")))).toBe("2024-03-31T00:00:00.000Z");
    expect(iso(nextTick("0 0 31 * *", "UTC", d("2024-03-31T00:00:00Z")))).toBe("2024-05-31T00:00:00.000Z");
    // Snapshot on Jan 31, down until Apr 1: February has no tick, so only March 31 and nothing missed.
    expect(dueTick("0 0 31 * *", "UTC", d("2024-01-31T00:00:00Z"), d("2024-04-01T00:00:00Z"))).toEqual({
      scheduledAt: d("2024-03-31T00:00:00Z"),
      missedTicks: 0,
      missedCapped: false,
    });
  });

  it("ticks on the 1st at midnight for 0 0 1 * *, including across a leap February", () => {
    expect(iso(latestTick("0 0 1 * *", "UTC", d("2024-02-29T23:59:00Z")))).toBe("2024-02-01T00:00:00.000Z");
    expect(iso(latestTick("0 0 1 * *", "UTC", d("2024-03-01T00:00:00Z")))).toBe("2024-03-01T00:00:00.000Z");
  });

  it("ticks on February 29 only in leap years, and looks back far enough to find one", () => {
    const cron = "0 0 29 2 *";
    expect(iso(nextTick(cron, "UTC", d("2025-01-01T00:00:00Z")))).toBe("2028-02-29T00:00:00.000Z");
    expect(iso(nextTick(cron, "UTC", d("2024-02-29T00:00:00Z")))).toBe("2028-02-29T00:00:00.000Z");
    expect(iso(latestTick(cron, "UTC", d("2027-06-01T00:00:00Z")))).toBe("2024-02-29T00:00:00.000Z");
    // 2100 is not a leap year: the gap from 2096 to 2104 is within the 8-year lookback.
    expect(iso(latestTick(cron, "UTC", d("2104-02-28T00:00:00Z")))).toBe("2096-02-29T00:00:00.000Z");
  });

  it("finds no tick, and is never due, for an expression that never fires (Feb 30)", () => {
    expect(latestTick("0 0 30 2 *", "UTC", d("2024-06-01T00:00:00Z"))).toBeUndefined();
    expect(nextTick("0 0 30 2 *", "UTC", d("2024-06-01T00:00:00Z"))).toBeUndefined();
    expect(dueTick("0 0 30 2 *", "UTC", undefined, d("2024-06-01T00:00:00Z"))).toBeUndefined();
  });
});

describe("weekly and nicknames", () => {
  it("ticks Sundays at 03:00 for 0 3 * * 0", () => {
    // 2024-01-07 is a Sunday.
    expect(iso(latestTick("0 3 * * 0", "UTC", d("2024-01-10T12:00:00Z")))).toBe("2024-01-07T03:00:00.000Z");
    expect(iso(nextTick("0 3 * * 0", "UTC", d("2024-01-07T03:00:00Z")))).toBe("2024-01-14T03:00:00.000Z");
  });

  it("reads @daily, which the config accepts, as midnight every day", () => {
    expect(checkCron("@daily", "UTC")).toBeUndefined();
    expect(iso(latestTick("@daily", "UTC", d("2024-01-02T05:00:00Z")))).toBe("2024-01-02T00:00:00.000Z");
    expect(cronPeriodMs("@daily", "UTC", d("2024-01-01T00:00:00Z"))).toBe(DAY);
  });
});

describe("cronPeriodMs", () => {
  const from = d("2024-01-01T00:00:00Z");

  it("is the longest gap between ticks: daily 24 h, hourly 1 h, weekly 7 d, monthly on the 1st 31 d", () => {
    expect(cronPeriodMs("0 2 * * *", "UTC", from)).toBe(DAY);
    expect(cronPeriodMs("0 * * * *", "UTC", from)).toBe(HOUR);
    expect(cronPeriodMs("0 3 * * 0", "UTC", from)).toBe(7 * DAY);
    expect(cronPeriodMs("0 0 1 * *", "UTC", from)).toBe(31 * DAY);
  });

  it("counts a weekend in a weekday schedule, and a DST hour in a zoned daily one", () => {
    // Mon-Fri at 09:00: Friday to Monday is 3 days.
    expect(cronPeriodMs("0 9 * * 1-5", "UTC", from)).toBe(3 * DAY);
    // Hourly stays 1 h through DST (an interval job); daily in Berlin is 25 h across the fall-back.
    expect(cronPeriodMs("0 * * * *", "Europe/Berlin", from)).toBe(HOUR);
    expect(cronPeriodMs("0 2 * * *", "Europe/Berlin", from)).toBe(25 * HOUR);
  });

  it("spans years for February 29 and is Infinity for an expression that never fires", () => {
    expect(cronPeriodMs("0 0 29 2 *", "UTC", from)).toBe(d("2028-02-29T00:00:00Z").getTime() - d("2024-02-29T00:00:00Z").getTime());
    expect(cronPeriodMs("0 0 30 2 *", "UTC", from)).toBe(Infinity);
  });
});
