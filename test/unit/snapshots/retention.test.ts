import { describe, expect, it } from "vitest";
import type { KeepPolicy } from "../../../reconcile/config/types.js";
import { applyRetention, EMPTY_POLICY_REASON, type RetentionItem, type RetentionResult } from "../../../reconcile/snapshots/retention.js";

/** Snapshots named by their time; the value is the index in the input. */
function snaps(...times: string[]): RetentionItem<number>[] {
  return times.map((t, i) => ({ id: t, time: new Date(t), value: i }));
}

const kept = (r: RetentionResult<number>): string[] => r.keep.map((d) => d.item.id);
const removed = (r: RetentionResult<number>): string[] => r.remove.map((d) => d.item.id);

describe("applyRetention", () => {
  const three = snaps("2024-05-01T10:00:00Z", "2024-05-03T10:00:00Z", "2024-05-02T10:00:00Z");

  it("keeps everything, newest first, under an empty policy", () => {
    const r = applyRetention(three, {});
    expect(kept(r)).toEqual(["2024-05-03T10:00:00Z", "2024-05-02T10:00:00Z", "2024-05-01T10:00:00Z"]);
    expect(r.remove).toEqual([]);
    expect(r.keep.every((d) => d.reasons.length === 1 && d.reasons[0] === EMPTY_POLICY_REASON)).toBe(true);
  });

  it("reads zero counts and zero durations as unset, like restic's forget", () => {
    const r = applyRetention(three, { last: 0, daily: 0, within: "0d", withinDaily: "0y0h" });
    expect(r.keep).toHaveLength(3);
    expect(r.keep[0]?.reasons).toEqual([EMPTY_POLICY_REASON]);
  });

  it("keeps everything with last: -1", () => {
    const r = applyRetention(three, { last: -1 });
    expect(r.keep).toHaveLength(3);
    expect(r.keep.every((d) => d.reasons.join() === "last snapshot")).toBe(true);
  });

  it("returns nothing for no snapshots", () => {
    expect(applyRetention([], { daily: 7, within: "1m" })).toEqual({ keep: [], remove: [] });
  });

  it("keeps the newest n with last: n, and returns the value carried along", () => {
    const r = applyRetention(three, { last: 2 });
    expect(kept(r)).toEqual(["2024-05-03T10:00:00Z", "2024-05-02T10:00:00Z"]);
    expect(removed(r)).toEqual(["2024-05-01T10:00:00Z"]);
    expect(r.remove[0]?.item.value).toBe(0);
    expect(r.remove[0]?.reasons).toEqual([]);
  });

  it("keeps the input order of snapshots with equal times (stable sort)", () => {
    const same = [
      { id: "a", time: new Date("2024-05-01T10:00:00Z"), value: 0 },
      { id: "b", time: new Date("2024-05-01T10:00:00Z"), value: 1 },
      { id: "c", time: new Date("2024-05-02T10:00:00Z"), value: 2 },
    ];
    expect(applyRetention(same, { last: 2 }).keep.map((d) => d.item.id)).toEqual(["c", "a"]);
  });

  describe("buckets", () => {
    // 23:30 and 00:30 UTC on consecutive UTC days are 18:30 and 19:30 on one day in New York (EST).
    const evening = snaps("2024-01-14T12:00:00Z", "2024-01-15T23:30:00Z", "2024-01-16T00:30:00Z");

    it("counts days in UTC by default", () => {
      expect(kept(applyRetention(evening, { daily: 3 }))).toEqual(["2024-01-16T00:30:00Z", "2024-01-15T23:30:00Z", "2024-01-14T12:00:00Z"]);
    });

    it("counts days on the wall clock of the timezone parameter", () => {
      const r = applyRetention(evening, { daily: 3 }, { timezone: "America/New_York" });
      expect(kept(r)).toEqual(["2024-01-16T00:30:00Z", "2024-01-14T12:00:00Z"]);
      expect(removed(r)).toEqual(["2024-01-15T23:30:00Z"]);
    });

    it("counts hours in the zone, including half-hour zones", () => {
      const r = applyRetention(
        snaps("2024-01-15T10:10:00Z", "2024-01-15T10:40:00Z", "2024-01-15T09:00:00Z"),
        { hourly: 2 },
        { timezone: "Asia/Kolkata" },
      );
      // 15:40 and 16:10 in Kolkata (UTC+5:30) are different hours; in UTC both are 10:xx.
      expect(kept(r)).toEqual(["2024-01-15T10:40:00Z", "2024-01-15T10:10:00Z"]);
      expect(kept(applyRetention(snaps("2024-01-15T10:10:00Z", "2024-01-15T10:40:00Z", "2024-01-15T09:00:00Z"), { hourly: 2 }))).toEqual([
        "2024-01-15T10:40:00Z",
        "2024-01-15T09:00:00Z",
      ]);
    });

    it("uses ISO weeks: the Sunday of 2021-01-03 is in 2020's week 53 with New Year's Eve", () => {
      const r = applyRetention(snaps("2020-12-20T12:00:00Z", "2020-12-31T12:00:00Z", "2021-01-03T12:00:00Z", "2021-01-04T12:00:00Z"), {
        weekly: 10,
      });
      expect(kept(r)).toEqual(["2021-01-04T12:00:00Z", "2021-01-03T12:00:00Z", "2020-12-20T12:00:00Z"]);
      expect(removed(r)).toEqual(["2020-12-31T12:00:00Z"]);
    });

    it("keeps the oldest snapshot too while a count is left, even in a kept bucket", () => {
      const oneDay = snaps("2024-05-01T08:00:00Z", "2024-05-01T12:00:00Z", "2024-05-01T16:00:00Z");
      const r = applyRetention(oneDay, { daily: 5 });
      expect(kept(r)).toEqual(["2024-05-01T16:00:00Z", "2024-05-01T08:00:00Z"]);
      expect(r.keep.map((d) => d.reasons)).toEqual([["daily snapshot"], ["oldest daily snapshot"]]);
      // No count left once the day is kept: the oldest goes.
      expect(kept(applyRetention(oneDay, { daily: 1 }))).toEqual(["2024-05-01T16:00:00Z"]);
    });

    it("lists every rule that keeps a snapshot, in restic's order", () => {
      const r = applyRetention(snaps("2024-05-01T08:00:00Z", "2024-05-02T08:00:00Z"), {
        last: 1,
        daily: 2,
        monthly: 1,
        within: "1d",
        withinDaily: "1m",
      });
      expect(r.keep[0]?.reasons).toEqual(["within 1d", "last snapshot", "daily snapshot", "monthly snapshot", "daily within 1m"]);
      expect(r.keep[1]?.reasons).toEqual(["daily snapshot", "daily within 1m"]);
    });
  });

  describe("within", () => {
    it("counts back from the newest snapshot, not from now", () => {
      const old = snaps("2014-01-01T00:00:00Z", "2014-01-05T00:00:00Z", "2014-01-05T12:00:00Z");
      const r = applyRetention(old, { within: "1d" }, { now: new Date("2030-01-01T00:00:00Z") });
      expect(kept(r)).toEqual(["2014-01-05T12:00:00Z", "2014-01-05T00:00:00Z"]);
      expect(r.keep[0]?.reasons).toEqual(["within 1d"]);
    });

    it("keeps only snapshots strictly after the window's start", () => {
      const r = applyRetention(snaps("2024-05-01T10:00:00Z", "2024-05-01T10:00:00.001Z", "2024-05-02T10:00:00Z"), { within: "1d" });
      expect(kept(r)).toEqual(["2024-05-02T10:00:00Z", "2024-05-01T10:00:00.001Z"]);
    });

    it("subtracts months on the calendar like Go's AddDate: 31 March minus 1m is 2 March (leap year)", () => {
      const items = snaps("2016-03-01T12:00:00Z", "2016-03-02T11:00:00Z", "2016-03-02T13:00:00Z", "2016-03-31T12:00:00Z");
      // Clamping to the end of February would keep 1 and 2 March; Go overflows Feb 31 into 2 March.
      expect(kept(applyRetention(items, { within: "1m" }))).toEqual(["2016-03-31T12:00:00Z", "2016-03-02T13:00:00Z"]);
      // 1m1d back from 31 March 12:00 is "30 February", i.e. 1 March 12:00, which is not after itself;
      // the hours are a fixed span taken after the calendar steps.
      expect(kept(applyRetention(items, { within: "1m1d" }))).toHaveLength(3);
      expect(kept(applyRetention(items, { within: "1m1d1h" }))).toHaveLength(4);
    });

    it("takes any order of duration parts, as restic does", () => {
      const items = snaps("2014-12-01T00:00:00Z", "2015-01-10T00:00:00Z");
      expect(applyRetention(items, { within: "1d1m" }).keep[0]?.reasons).toEqual(["within 1m1d"]);
    });

    it("counts days on the zone's wall clock: one day before noon after spring-forward is 23 hours", () => {
      // New York: 2024-03-10 12:00 EDT is 16:00Z; a day earlier on the wall clock is 12:00 EST = 17:00Z.
      const items = snaps("2024-03-09T16:30:00Z", "2024-03-10T16:00:00Z");
      expect(kept(applyRetention(items, { within: "1d" }))).toHaveLength(2);
      expect(kept(applyRetention(items, { within: "1d" }, { timezone: "America/New_York" }))).toEqual(["2024-03-10T16:00:00Z"]);
    });

    it("ignores snapshots in the future when finding the newest", () => {
      const items = snaps("2024-05-20T00:00:00Z", "2024-05-31T00:00:00Z", "2030-01-01T00:00:00Z");
      const r = applyRetention(items, { within: "2d" }, { now: new Date("2024-06-01T00:00:00Z") });
      expect(kept(r)).toEqual(["2030-01-01T00:00:00Z", "2024-05-31T00:00:00Z"]);
      // Without now, the newest snapshot is the reference.
      expect(kept(applyRetention(items, { within: "2d" }))).toEqual(["2030-01-01T00:00:00Z"]);
    });

    it("keeps everything when every snapshot is in the future (restic counts back from Go's zero time)", () => {
      const items = snaps("2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z");
      expect(kept(applyRetention(items, { within: "1d" }, { now: new Date("2024-01-01T00:00:00Z") }))).toHaveLength(2);
    });

    it("keeps the newest snapshot of each period inside a withinDaily window, and the oldest inside it", () => {
      const items = snaps(
        "2024-05-01T08:00:00Z",
        "2024-05-02T08:00:00Z",
        "2024-05-02T09:00:00Z",
        "2024-05-03T08:00:00Z",
        "2024-05-03T09:00:00Z",
      );
      const r = applyRetention(items, { withinDaily: "1d12h" });
      expect(kept(r)).toEqual(["2024-05-03T09:00:00Z", "2024-05-02T09:00:00Z"]);
      const all = applyRetention(items, { withinDaily: "1y" });
      expect(kept(all)).toEqual(["2024-05-03T09:00:00Z", "2024-05-02T09:00:00Z", "2024-05-01T08:00:00Z"]);
    });
  });

  describe("invariants", () => {
    // A small deterministic generator: irregular snapshot times over two years, and random policies.
    function lcg(seed: number): () => number {
      let s = seed;
      return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    }

    it("keeps the newest snapshot under every non-empty policy with a count >= 1 or -1, and partitions the input", () => {
      const rnd = lcg(42);
      const counts = [-1, 0, 1, 2, 3, 7] as const;
      const pick = (): number => counts[Math.floor(rnd() * counts.length)] ?? 0;
      for (let round = 0; round < 200; round++) {
        const n = 1 + Math.floor(rnd() * 40);
        const items = snaps(
          ...Array.from({ length: n }, () => new Date(Date.UTC(2023, 0, 1) + Math.floor(rnd() * 2 * 365 * 86_400_000)).toISOString()),
        );
        const policy: KeepPolicy = { last: pick(), hourly: pick(), daily: pick(), weekly: pick(), monthly: pick(), yearly: pick() };
        if (rnd() < 0.3) policy.within = `${Math.floor(rnd() * 3)}m${Math.floor(rnd() * 10)}d`;
        const timezone = rnd() < 0.5 ? "UTC" : "Europe/Berlin";
        const r = applyRetention(items, policy, { timezone });
        const newest = [...items].sort((a, b) => b.time.getTime() - a.time.getTime())[0];
        expect(r.keep[0]?.item).toBe(newest);
        expect(r.keep.length + r.remove.length).toBe(n);
        for (const d of r.keep) expect(d.reasons.length).toBeGreaterThan(0);
        for (const d of r.remove) expect(d.reasons).toEqual([]);
        expect(new Set([...r.keep, ...r.remove].map((d) => d.item)).size).toBe(n);
        for (const list of [r.keep, r.remove]) {
          const times = list.map((d) => d.item.time.getTime());
          expect(times).toEqual([...times].sort((a, b) => b - a));
        }
      }
    });

    it("does not depend on the input order", () => {
      const items = snaps("2024-05-03T10:00:00Z", "2024-04-01T10:00:00Z", "2024-05-01T10:00:00Z", "2024-05-02T10:00:00Z");
      const policy = { daily: 2, monthly: 2 };
      expect(kept(applyRetention([...items].reverse(), policy))).toEqual(kept(applyRetention(items, policy)));
    });
  });

  describe("errors", () => {
    it("refuses counts below -1 or fractional", () => {
      expect(() => applyRetention(three, { daily: -2 })).toThrow(/keep\.daily must be a whole number/);
      expect(() => applyRetention(three, { last: 1.5 })).toThrow(/keep\.last/);
    });

    it("names the key of a bad duration", () => {
      expect(() => applyRetention(three, { withinWeekly: "3w" })).toThrow(/keep\.withinWeekly: invalid duration "3w": unknown unit "w"/);
    });

    it("refuses an unknown time zone, even with no snapshots", () => {
      expect(() => applyRetention([], { daily: 1 }, { timezone: "Mars/Olympus" })).toThrow(/unknown time zone "Mars\/Olympus"/);
    });

    it("refuses an invalid snapshot time", () => {
      expect(() => applyRetention([{ id: "x", time: new Date("nope"), value: 0 }], { last: 1 })).toThrow(/snapshot x has an invalid time/);
    });
  });
});
