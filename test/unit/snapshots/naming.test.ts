import { describe, expect, it } from "vitest";
import { freeSnapshotName, looksLikeFrostName, onDemandSnapshotName, scheduledSnapshotName } from "../../../reconcile/snapshots/naming.js";

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
