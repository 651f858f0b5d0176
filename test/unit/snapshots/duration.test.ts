import { describe, expect, it } from "vitest";
import { formatDuration, isZeroDuration, parseDuration } from "../../../reconcile/snapshots/duration.js";

describe("parseDuration", () => {
  it.each([
    ["1y2m3d3h", { years: 1, months: 2, days: 3, hours: 3 }],
    ["7d", { years: 0, months: 0, days: 7, hours: 0 }],
    ["13d23h", { years: 0, months: 0, days: 13, hours: 23 }],
    ["1y1d1m", { years: 1, months: 1, days: 1, hours: 0 }],
    ["  2m2h ", { years: 0, months: 2, days: 0, hours: 2 }],
    ["9999y", { years: 9999, months: 0, days: 0, hours: 0 }],
    ["0d", { years: 0, months: 0, days: 0, hours: 0 }],
  ])("reads %j", (text, want) => {
    expect(parseDuration(text)).toEqual(want);
  });

  it.each([
    ["", /empty duration/],
    ["   ", /empty duration/],
    ["5", /no unit after 5/],
    ["3w", /unknown unit "w" after 3/],
    ["d", /expected a number at "d"/],
    ["-1d", /negative durations are not allowed/],
    ["1d2d", /unit "d" given twice/],
    ["1.5d", /unknown unit "\." after 1/],
    ["99999999999999999999y", /too large/],
  ])("refuses %j", (text, message) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
    expect(() => parseDuration(text)).toThrow(message);
  });
});

describe("formatDuration", () => {
  it("spells restic's canonical order and drops zero parts", () => {
    expect(formatDuration(parseDuration("1y1d1m"))).toBe("1y1m1d");
    expect(formatDuration(parseDuration("3h0d2m"))).toBe("2m3h");
  });

  it("knows a zero duration", () => {
    expect(isZeroDuration(parseDuration("0y0h"))).toBe(true);
    expect(isZeroDuration(parseDuration("1h"))).toBe(false);
  });
});
