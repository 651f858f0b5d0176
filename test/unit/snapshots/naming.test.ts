import { describe, expect, it } from "vitest";
import type { HostSpec, InstanceSpec } from "../../../reconcile/config/types.js";
import type { LibvirtFacts } from "../../../reconcile/providers/libvirt/facts.js";
import { snapshotDomainNow } from "../../../reconcile/providers/libvirt/on-demand.js";
import { freeSnapshotName, looksLikeFrostName, onDemandSnapshotName, scheduledSnapshotName } from "../../../reconcile/snapshots/naming.js";
import { devices, frostSnapshot, running } from "../../support/builders.js";

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

describe("an on-demand snapshot of a libvirt domain", () => {
  const host = { name: "default", kind: "libvirt", uri: "test:///fake" } as unknown as HostSpec;
  const instance = { name: "db1", host: "default" } as unknown as InstanceSpec;
  const request = (name: string) => ({ name, quiesce: "preferred" as const });

  it("takes a name no snapshot of the domain has, frost's or another's", () => {
    const domain = {
      ...running("db1", devices({ controller: true, channel: true, connected: true })),
      snapshots: [{ ...frostSnapshot(undefined, "2026-11-25T10:00:00.000Z"), name: "ondemand-20261125T100000Z" }],
      foreignSnapshots: ["ondemand-20261125T100000Z-2"],
    };
    const facts = { host: { uri: "test:///fake", names: ["db1"], domains: { db1: domain } }, journal: [] } as unknown as LibvirtFacts;
    const planned = snapshotDomainNow(host, instance, facts, request("ondemand-20261125T100000Z"), "(on demand)");
    if (!("change" in planned)) throw new Error(planned.error);
    expect(planned.change.after["snapshot"]).toBe("ondemand-20261125T100000Z-3");
    expect(planned.change.steps).toEqual([{ kind: "take-snapshot", domain: "db1", request: request("ondemand-20261125T100000Z-3") }]);
    // A free name is kept as it is.
    const free = snapshotDomainNow(host, instance, facts, request("ondemand-20261125T100001Z"), "(on demand)");
    expect("change" in free && free.change.after["snapshot"]).toBe("ondemand-20261125T100001Z");
  });

  it("refuses a domain that is not running, or not there", () => {
    const facts = { host: { uri: "test:///fake", names: [], domains: {} }, journal: [] } as unknown as LibvirtFacts;
    expect(snapshotDomainNow(host, instance, facts, request("x"), "")).toEqual({
      error: "instance db1: host default has no domain of that name",
    });
  });
});
