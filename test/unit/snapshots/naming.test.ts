import { describe, expect, it } from "vitest";
import { adhocPlan } from "../../../cmd/adhoc-plan.js";
import type { Change } from "../../../reconcile/model.js";
import { freeSnapshotName, looksLikeFrostName, onDemandSnapshotName, scheduledSnapshotName } from "../../../reconcile/snapshots/naming.js";
import { devices, frostSnapshot, observedHost, running } from "../../support/builders.js";

const AT = new Date("2026-11-25T10:00:00Z");

describe("snapshot names frost gives", () => {
  it("names an on-demand snapshot after the second, and never with a name the domain has", () => {
    expect(onDemandSnapshotName(AT)).toBe("ondemand-20261125T100000Z");
    expect(onDemandSnapshotName(AT, ["before-upgrade"])).toBe("ondemand-20261125T100000Z");
    // A second snapshot within the same second, then a third.
    expect(onDemandSnapshotName(AT, ["ondemand-20261125T100000Z"])).toBe("ondemand-20261125T100000Z-2");
    expect(onDemandSnapshotName(AT, ["ondemand-20261125T100000Z", "ondemand-20261125T100000Z-2"])).toBe("ondemand-20261125T100000Z-3");
    expect(onDemandSnapshotName(AT, ["ondemand-20261125T100000Z"], "nightly")).toBe("nightly-20261125T100000Z");
  });

  it("gives the first free counter of a taken name, whatever else is taken", () => {
    expect(freeSnapshotName("nightly-20261125T0200Z", [])).toBe("nightly-20261125T0200Z");
    expect(freeSnapshotName("nightly-20261125T0200Z", new Set(["nightly-20261125T0200Z", "nightly-20261125T0200Z-3"]))).toBe(
      "nightly-20261125T0200Z-2",
    );
    const taken = ["nightly-20261125T0200Z", ...Array.from({ length: 20 }, (_, i) => `nightly-20261125T0200Z-${i + 2}`)];
    const free = freeSnapshotName("nightly-20261125T0200Z", taken);
    expect(taken).not.toContain(free);
    expect(free).toBe("nightly-20261125T0200Z-22");
  });

  it("recognises its own shape, old names and counted ones alike, and nothing a configuration could not have named", () => {
    for (const name of [
      scheduledSnapshotName("nightly", new Date("2026-11-25T02:00:00Z")),
      "ondemand-20261125T100000Z",
      "nightly-20261125T0200Z-2",
      "ondemand-20261125T100000Z-12",
      "db_backup.v2+x-20261125T0200Z",
    ]) {
      expect(looksLikeFrostName(name), name).toBe(true);
    }
    expect(looksLikeFrostName(freeSnapshotName("nightly-20261125T0200Z", ["nightly-20261125T0200Z"]))).toBe(true);
    for (const name of [
      "bob's-20261124T0200Z", // a quote: no schedule is named so
      "a b-20261124T0200Z",
      "x\nnightly-20261125T0200Z", // two lines of a listing would each look fine
      "nightly-20261125T0200Z\n",
      "-20261124T0200Z",
      "-x-20261124T0200Z",
      "nightly-20261125T0200Z-0",
      "nightly-20261125T0200Z-",
      "nightly-2026112T0200Z",
      "before-upgrade",
    ]) {
      expect(looksLikeFrostName(name), JSON.stringify(name)).toBe(false);
    }
  });
});

describe("an ad hoc plan's snapshots", () => {
  const snapshotChange = (name: string): Change => ({
    host: "default",
    address: "instance.db1",
    action: "snapshot",
    before: {},
    after: { snapshot: name },
    reason: "(on demand; quiesce preferred)",
    steps: [{ kind: "take-snapshot", domain: "db1", request: { name, quiesce: "preferred" } }],
    notes: [],
  });

  it("takes a name no snapshot of the domain has, frost's or another's, nor an earlier change of the same plan", () => {
    const domain = {
      ...running("db1", devices({ controller: true, channel: true, connected: true })),
      snapshots: [{ ...frostSnapshot(undefined, "2026-11-25T10:00:00.000Z"), name: "ondemand-20261125T100000Z" }],
      foreignSnapshots: ["ondemand-20261125T100000Z-2"],
    };
    const observations = observedHost([domain]);
    const plan = adhocPlan(AT, observations, { default: "test:///fake" }, [
      snapshotChange("ondemand-20261125T100000Z"),
      snapshotChange("ondemand-20261125T100000Z"),
    ]);
    expect(plan.changes.map((c) => c.after["snapshot"])).toEqual(["ondemand-20261125T100000Z-3", "ondemand-20261125T100000Z-4"]);
    expect(plan.changes.map((c) => (c.steps[0]?.kind === "take-snapshot" ? c.steps[0].request.name : undefined))).toEqual([
      "ondemand-20261125T100000Z-3",
      "ondemand-20261125T100000Z-4",
    ]);
    // A free name is kept as it is.
    expect(adhocPlan(AT, observations, { default: "test:///fake" }, [snapshotChange("ondemand-20261125T100001Z")]).changes).toEqual([
      snapshotChange("ondemand-20261125T100001Z"),
    ]);
  });
});
