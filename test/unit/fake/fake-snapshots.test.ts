import { describe, expect, it } from "vitest";
import { FakeHypervisor } from "../../support/fake-libvirt/fake-hypervisor.js";
import type { SnapshotMeta } from "../../../reconcile/providers/libvirt/hypervisor.js";
import { devices } from "../../support/builders.js";

const meta: SnapshotMeta = {
  takenAt: "2026-11-25T02:00:00.000Z",
  consistency: "crash",
  quiesce: "off",
  frozenFilesystems: 0,
  frostVersion: "0.1.0",
};
const withAgent = devices({ controller: true, channel: true });

function host(state: "running" | "shutoff" = "running") {
  return new FakeHypervisor().withDomain({
    name: "d",
    state,
    persistent: withAgent,
    ...(state === "running" ? { live: { ...withAgent, agentChannel: { alias: "channel0" } } } : {}),
  });
}

describe("the fake hypervisor's snapshots", () => {
  it("records every step, and fails exactly the injected one, once, leaving the session usable", async () => {
    const hv = host();
    for (const step of ["ping", "freeze", "snapshot", "thaw", "recordMeta"] as const) hv.failNext(step, `boom ${step}`);
    const s = await hv.openSnapshotSession("d");
    expect(await s.ping(1000)).toEqual({ status: "error", message: "boom ping" });
    await expect(s.freeze(1000)).rejects.toThrow("boom freeze");
    await expect(s.createSnapshot("ondemand-20261125T020000Z", meta, 1000)).rejects.toThrow("boom snapshot");
    await expect(s.thaw(1000)).rejects.toThrow("boom thaw");
    await expect(s.recordMeta("ondemand-20261125T020000Z", meta, 1000)).rejects.toThrow("boom recordMeta");
    expect(s.alive).toBe(true);
    expect((await s.ping(1000)).status).toBe("ok");
    expect(await s.freeze(1000)).toBe(2);
    await s.createSnapshot("ondemand-20261125T020000Z", meta, 1000);
    expect(await s.thaw(1000)).toBe(2);
    await s.close();
    expect(hv.calls.filter((c) => !c.startsWith("ping"))).toEqual([
      "open d",
      "freeze d",
      "snapshot d ondemand-20261125T020000Z",
      "thaw d",
      "record-meta d ondemand-20261125T020000Z",
      "freeze d",
      "snapshot d ondemand-20261125T020000Z",
      "thaw d",
      "close d",
    ]);
    hv.failNext("open", "no session");
    await expect(hv.openSnapshotSession("d")).rejects.toThrow("no session");
  });

  it("lists frost's snapshots oldest first and names the others, parents first", async () => {
    const hv = host()
      .withSnapshot("d", { name: "nightly-20261125T0200Z", meta, createdAt: "2026-11-25T02:00:00.000Z" })
      .withSnapshot("d", { name: "nightly-20261124T0200Z", meta, createdAt: "2026-11-24T02:00:00.000Z" })
      .withSnapshot("d", { name: "nightly-20261123T0200Z" }) // frost's shape, no record
      .withSnapshot("d", { name: "manual", meta }); // a record, but not frost's name
    const d = (await hv.observe({ ping: false })).domains["d"];
    expect(d?.snapshots.map((s) => s.name)).toEqual(["nightly-20261124T0200Z", "nightly-20261125T0200Z"]);
    expect(d?.foreignSnapshots).toEqual(["nightly-20261123T0200Z", "manual"]);
    expect(d?.freeze).toBeUndefined(); // not pinged: not read
  });

  it("deletes only frost's snapshots, moving children to the parent, the oldest included", async () => {
    const hv = host()
      .withSnapshot("d", { name: "ondemand-20261125T020001Z", meta })
      .withSnapshot("d", { name: "ondemand-20261125T020002Z", meta })
      .withSnapshot("d", { name: "ondemand-20261125T020003Z", meta })
      .withSnapshot("d", { name: "ondemand-20261125T020004Z", description: "taken by hand" });
    await expect(hv.deleteSnapshot("d", "ondemand-20261125T020004Z")).rejects.toThrow(/not a frost record/);
    await hv.deleteSnapshot("d", "ondemand-20261125T020002Z");
    expect(hv.domain("d")?.snapshots?.find((s) => s.name === "ondemand-20261125T020003Z")?.parent).toBe("ondemand-20261125T020001Z");
    await hv.deleteSnapshot("d", "ondemand-20261125T020003Z");
    await expect(hv.deleteSnapshot("d", "nope")).rejects.toThrow("Domain snapshot not found: no domain snapshot with matching name 'nope'");
    hv.failNext("delete", "injected");
    await expect(hv.deleteSnapshot("d", "ondemand-20261125T020001Z")).rejects.toThrow("injected");
    await hv.deleteSnapshot("d", "ondemand-20261125T020001Z");
    expect(hv.domain("d")?.snapshots?.map((s) => s.name)).toEqual(["ondemand-20261125T020004Z"]);
  });

  it("snapshots a shut-off domain, which it cannot freeze", async () => {
    const hv = host("shutoff");
    const s = await hv.openSnapshotSession("d");
    await expect(s.freeze(1000)).rejects.toThrow("Unable to freeze filesystems: Requested operation is not valid: domain is not running");
    await s.createSnapshot("ondemand-20261125T020000Z", meta, 1000);
    expect((await hv.observe({ ping: true })).domains["d"]?.snapshots).toHaveLength(1);
    await expect(hv.thaw("d", 1000)).rejects.toThrow("Unable to thaw filesystems: Requested operation is not valid: domain is not running");
  });

  it("lets a hung agent pass every deadline at once, killing the session and changing nothing", async () => {
    const hv = host();
    const d = hv.domain("d");
    if (d) d.agent = "hung";
    const s = await hv.openSnapshotSession("d");
    expect((await s.ping(3000)).status).toBe("timeout");
    const started = Date.now();
    await expect(s.freeze(10_000)).rejects.toThrow("freeze did not finish within 10000 ms; the virsh session was killed");
    expect(Date.now() - started).toBeLessThan(100);
    expect(s.alive).toBe(false);
    await expect(s.thaw(1000)).rejects.toThrow(/session is closed/);
    expect(hv.domain("d")?.frozen).toBeFalsy();
    await expect(hv.thaw("d", 2000)).rejects.toThrow("virsh domfsthaw did not finish within 2 s");
    expect(hv.calls).toContain("thaw-recovery d");
  });
});
