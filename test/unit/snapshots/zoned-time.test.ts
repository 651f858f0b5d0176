import { describe, expect, it } from "vitest";
import { addDate, fromWallClock, isoWeek, wallClock, zoneOffset } from "../../../reconcile/snapshots/zoned-time.js";

const at = (iso: string): number => Date.parse(iso);
const wall = (year: number, month: number, day: number, hour: number, minute = 0) => ({ year, month, day, hour, minute, second: 0, ms: 0 });

describe("zoned time", () => {
  it("reads the wall clock in a zone", () => {
    expect(wallClock(at("2024-01-16T00:30:00.250Z"), "America/New_York")).toEqual({ ...wall(2024, 1, 15, 19, 30), ms: 250 });
    expect(wallClock(at("2024-07-01T00:00:00Z"), "Europe/Berlin")).toEqual(wall(2024, 7, 1, 2));
    expect(zoneOffset(at("2024-01-15T00:00:00Z"), "Asia/Kolkata")).toBe(5.5 * 3_600_000);
  });

  it("adds calendar steps like Go's AddDate, overflowing into the next month", () => {
    expect(new Date(addDate(at("2016-03-31T12:00:00Z"), "UTC", 0, -1, 0)).toISOString()).toBe("2016-03-02T12:00:00.000Z");
    expect(new Date(addDate(at("2015-03-31T12:00:00Z"), "UTC", 0, -1, 0)).toISOString()).toBe("2015-03-03T12:00:00.000Z");
    expect(new Date(addDate(at("2016-02-29T12:00:00Z"), "UTC", -1, 0, 0)).toISOString()).toBe("2015-03-01T12:00:00.000Z");
    expect(new Date(addDate(at("2016-01-18T12:02:03Z"), "UTC", -9999, 0, 0)).getUTCFullYear()).toBe(-7983);
  });

  it("resolves a wall time skipped by DST the way Go's time.Date does", () => {
    // New York springs forward at 07:00Z: 02:30 does not exist and Go lands on 01:30 EST.
    expect(new Date(fromWallClock(wall(2024, 3, 10, 2, 30), "America/New_York")).toISOString()).toBe("2024-03-10T06:30:00.000Z");
    // Berlin springs forward at 01:00Z: 02:30 does not exist and Go lands on 03:30 CEST.
    expect(new Date(fromWallClock(wall(2024, 3, 31, 2, 30), "Europe/Berlin")).toISOString()).toBe("2024-03-31T01:30:00.000Z");
    // A wall time repeated when falling back (Berlin, 01:00Z): Go takes the second (winter) instant.
    expect(new Date(fromWallClock(wall(2024, 10, 27, 2, 30), "Europe/Berlin")).toISOString()).toBe("2024-10-27T01:30:00.000Z");
  });

  it("numbers ISO weeks", () => {
    expect(isoWeek(2021, 1, 3)).toEqual({ year: 2020, week: 53 });
    expect(isoWeek(2021, 1, 4)).toEqual({ year: 2021, week: 1 });
    expect(isoWeek(2019, 12, 30)).toEqual({ year: 2020, week: 1 });
    expect(isoWeek(2016, 1, 18)).toEqual({ year: 2016, week: 3 });
  });
});
