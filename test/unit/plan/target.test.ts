import { describe, expect, it } from "vitest";
import { fixedClock } from "../../../reconcile/clock.js";
import { plan } from "../../../reconcile/plan/plan.js";
import { checkTargets, targetPlan } from "../../../reconcile/plan/target.js";
import { renderPlanMarkdown } from "../../../cmd/render/plan-markdown.js";
import { DesiredBuilder, devices, frostSnapshot, running } from "../../support/builders.js";

const desired = new DesiredBuilder()
  .adopt("a", true)
  .adopt("b", true)
  .schedule("nightly", "all", { keep: { last: 1 } })
  .build();
const obs = {
  default: {
    status: "observed" as const,
    facts: {
      host: {
        uri: "test:///fake",
        names: ["a", "b"],
        domains: {
          a: { ...running("a", devices({ controller: true })), snapshots: [frostSnapshot("nightly", "2026-11-24T02:00:00.000Z")] },
          b: running("b", devices({ controller: true })),
        },
      },
      journal: [],
    },
  },
};
const full = plan(desired, obs, { clock: fixedClock("2026-11-25T03:00:00Z") });

describe("targeting a plan", () => {
  it("keeps everything done to a targeted instance: its channel, snapshot and prunes", () => {
    const t = targetPlan(full, { targets: ["instance.a"], excludes: [] });
    expect(new Set(t.changes.map((c) => c.address))).toEqual(new Set(["instance.a"]));
    expect(t.changes.map((c) => c.action)).toEqual(["update", "snapshot", "prune"]);
  });

  it("leaves out what is excluded", () => {
    const t = targetPlan(full, { targets: [], excludes: ["instance.a"] });
    expect(new Set(t.changes.map((c) => c.address))).toEqual(new Set(["instance.b"]));
  });

  it("refuses a target that names nothing, so a typo never plans nothing silently", () => {
    expect(checkTargets(desired, { targets: ["instance.c"], excludes: [] })[0]?.summary).toContain("instance.c names nothing");
    expect(checkTargets(desired, { targets: ["instance.a", "host.default"], excludes: [] })).toEqual([]);
  });
});

describe("the Markdown plan", () => {
  it("puts the verdict and the counts first, and collapses a long plan", () => {
    const md = renderPlanMarkdown(full);
    expect(md.split("\n")[0]).toBe("### frost plan: 📝 **Changes planned**");
    expect(md).toContain("| 0 | 2 | 0 | 2 | 1 | 0 |");
    expect(md).toContain("```diff");
    expect(md).not.toContain("<details>");
    const many = { ...full, changes: Array.from({ length: 11 }, () => full.changes[0]!) };
    expect(renderPlanMarkdown(many)).toContain("<details><summary>Show the plan</summary>");
  });
});
