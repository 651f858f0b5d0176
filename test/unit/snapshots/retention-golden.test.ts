import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { KeepPolicy } from "../../../reconcile/config/types.js";
import { applyRetention, type RetentionItem } from "../../../reconcile/snapshots/retention.js";

// restic's own retention vectors (see test/fixtures/restic-retention/README.md): 40 policies applied
// to one list of 103 snapshots, with restic's kept list and reasons for each.
const FIXTURES = new URL("../../fixtures/restic-retention/", import.meta.url);

interface GoldenSnapshot {
  time: string;
  tags?: string[];
}
interface GoldenReason {
  snapshot: GoldenSnapshot;
  matches: string[];
}
interface Golden {
  keep: GoldenSnapshot[] | null;
  reasons?: GoldenReason[];
}
interface PolicyCase {
  index: number;
  policy: KeepPolicy & { tags?: string[][] };
  golden: string;
}

function json<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, FIXTURES), "utf8")) as T;
}

const snapshots = json<GoldenSnapshot[]>("snapshots.json");
const cases = json<PolicyCase[]>("policies.json");
const items: RetentionItem<GoldenSnapshot>[] = snapshots.map((s, i) => ({ id: `s${i}`, time: new Date(s.time), value: s }));

/** Go's RFC 3339 spelling of a time, as the golden files use it (no trailing zeros in the fraction). */
const iso = (t: Date): string => t.toISOString().replace(/\.?0+Z$/, "Z");

const allNewestFirst = [...snapshots].sort((a, b) => Date.parse(b.time) - Date.parse(a.time)).map((s) => s.time);

describe("restic's retention vectors", () => {
  it("has the 40 policies and 103 snapshots", () => {
    expect(cases).toHaveLength(40);
    expect(snapshots).toHaveLength(103);
  });

  // Policies with `tags` (18-20) keep snapshots by tag; frost's snapshots carry no tags and KeepPolicy
  // has no such rule, so these are left out. Every other policy runs below.
  const timed = cases.filter((c) => !("tags" in c.policy));
  it("leaves out exactly the tag policies 18-20", () => {
    expect(cases.filter((c) => "tags" in c.policy).map((c) => c.index)).toEqual([18, 19, 20]);
  });

  it.each(timed.map((c) => [c.index, c] as const))("policy %i keeps what restic keeps", (_, c) => {
    const golden = json<Golden>(c.golden);
    // The golden file is restic's run in UTC; restic's "now" was years after the newest snapshot.
    const result = applyRetention(items, c.policy, { timezone: "UTC", now: new Date("2020-01-01T00:00:00Z") });

    // Golden 0 is restic's internal ApplyPolicy on an empty policy, which removes everything. restic's
    // `forget` never gets there: with no policy it says "no policy was specified, no snapshots will be
    // removed". frost follows `forget`: an empty policy keeps everything.
    const wantKeep = c.index === 0 ? allNewestFirst : (golden.keep ?? []).map((s) => s.time);
    expect(result.keep.map((d) => iso(d.item.time))).toEqual(wantKeep);
    expect(result.keep.length + result.remove.length).toBe(items.length);
    expect(result.remove.map((d) => d.item.time.getTime())).toEqual(
      [...result.remove].map((d) => d.item.time.getTime()).sort((a, b) => b - a),
    );

    for (const d of result.keep) expect(d.reasons.length).toBeGreaterThan(0);
    for (const d of result.remove) expect(d.reasons).toEqual([]);

    // frost words its reasons as restic does, so they compare one for one.
    if (c.index !== 0) expect(result.keep.map((d) => d.reasons)).toEqual((golden.reasons ?? []).map((r) => r.matches));
  });
});
