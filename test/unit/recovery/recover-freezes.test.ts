import { pendingOverlays } from "../../../reconcile/providers/libvirt/snapshots/pending-overlays.js";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { FakeHypervisor } from "../../support/fake-libvirt/fake-hypervisor.js";
import { FreezeJournal, type JournalRecord } from "../../../reconcile/snapshots/freeze-journal.js";
import { fixedClock } from "../../../reconcile/clock.js";
import { recoverFreezes, settlePendingOverlays } from "../../../reconcile/providers/libvirt/snapshots/recovery.js";
import { takeSnapshot } from "../../../reconcile/providers/libvirt/snapshots/take.js";
import { devices } from "../../support/builders.js";

let journal: FreezeJournal;
let hv: FakeHypervisor;
beforeEach(async () => {
  journal = new FreezeJournal(await mkdtemp(join(tmpdir(), "frost-recovery-")));
  const channel = devices({ controller: true, channel: true, connected: true });
  hv = new FakeHypervisor("qemu:///system")
    .withDomain({ name: "db1", state: "running", live: channel, persistent: channel, frozen: true })
    .withDomain({ name: "web", state: "running", live: channel, persistent: channel })
    .withDomain({ name: "off", state: "shutoff", persistent: channel });
});

/** A journal entry as a run that froze `domain` and then died (its session ended without a thaw) leaves it. */
async function leftBy(domain: string): Promise<JournalRecord> {
  const uuid = await hv.hostUuid();
  const r = await journal.record({
    uri: hv.uri,
    ...(uuid ? { hostUuid: uuid } : {}),
    domain,
    snapshot: "nightly-20261125T0200Z",
    holdMs: 60_000,
  });
  await journal.end(r, false);
  return r;
}
const entries = async () => (await journal.list({ uri: hv.uri })).map((r) => r.entry.domain).sort();

describe("settling the freeze journal before a run acts", () => {
  it("thaws a guest a run proven gone left frozen, removes its entry, and says so", async () => {
    await leftBy("db1");
    const notices = await recoverFreezes(hv, journal, { thawMs: 1_000 });
    expect(hv.domain("db1")?.frozen).toBe(false);
    expect(await entries()).toEqual([]);
    expect(notices).toEqual([
      {
        domain: "db1",
        severity: "info",
        message: expect.stringMatching(
          /^thawed 2 filesystem\(s\): left frozen by frost pid \d+ on .* \(taking nightly-20261125T0200Z\) since .*, which is gone: this run's freeze session has ended$/,
        ),
      },
    ]);
  });

  it("only forgets the entry of a guest found thawed, or shut off, or gone: a later freeze by another tool is never taken for frost's", async () => {
    await leftBy("web");
    await leftBy("off");
    await leftBy("nosuchdomain");
    expect(await recoverFreezes(hv, journal, { thawMs: 1_000 })).toEqual([]);
    expect(await entries()).toEqual([]);
    expect(hv.calls.filter((c) => c.startsWith("thaw"))).toEqual([]);
  });

  it("leaves the guest of a live run alone: its entry and its freeze", async () => {
    const uuid = await hv.hostUuid();
    await journal.record({ uri: hv.uri, ...(uuid ? { hostUuid: uuid } : {}), domain: "db1", snapshot: "s", holdMs: 60_000 });
    expect(await recoverFreezes(hv, journal, { thawMs: 1_000 })).toEqual([]);
    expect(hv.domain("db1")?.frozen).toBe(true);
    expect(await entries()).toEqual(["db1"]);
  });

  it("keeps the entry, with a warning, when the guest's agent cannot say whether it is frozen", async () => {
    const gone = devices({ controller: true, channel: true, connected: false });
    hv.withDomain({ name: "db1", state: "running", live: gone, persistent: gone, agent: "absent", frozen: true });
    await leftBy("db1");
    const [notice] = await recoverFreezes(hv, journal, { thawMs: 1_000 });
    expect(notice).toMatchObject({ domain: "db1", severity: "warning" });
    expect(notice?.message).toMatch(/its agent cannot say whether it still is \(not-connected.*\); frost tries again on the next run/);
    expect(await entries()).toEqual(["db1"]);
  });

  it("leaves the domains it is told to (a saved plan thaws them itself)", async () => {
    await leftBy("db1");
    expect(await recoverFreezes(hv, journal, { thawMs: 1_000, exclude: new Set(["db1"]) })).toEqual([]);
    expect(hv.domain("db1")?.frozen).toBe(true);
  });

  it("without the lock, thaws nothing whose entry changed since it was read (a live run journalled a new freeze)", async () => {
    await leftBy("db1");
    const reread = journal.reread.bind(journal);
    journal.reread = async (r) => {
      // Meanwhile a live run has journalled its own freeze of db1 (the same file, another session).
      const uuid = await hv.hostUuid();
      await journal.record({ uri: hv.uri, ...(uuid ? { hostUuid: uuid } : {}), domain: "db1", snapshot: "s2", holdMs: 60_000 });
      return reread(r);
    };
    expect(await recoverFreezes(hv, journal, { thawMs: 1_000, lockless: true })).toEqual([]);
    expect(hv.domain("db1")?.frozen).toBe(true);
  });
});

describe("settling overlays a cut left pending", () => {
  const request = {
    name: "nightly-20261125T0200Z",
    schedule: "nightly",
    scheduledAt: "2026-11-25T02:00:00.000Z",
    quiesce: "required" as const,
  };
  const fast = { pingMs: 100, freezeMs: 100, snapshotMs: 100, thawMs: 100 };
  const take = () => takeSnapshot(hv, "web", request, { clock: fixedClock("2026-11-25T02:00:30Z"), journal, deadlines: fast });

  it("removes them once libvirt is done and its cut never happened, and forgets them", async () => {
    hv.domain("web")!.cutTimesOut = "fails";
    await expect(take()).rejects.toThrow(/did not finish/);
    expect([...hv.prepared]).toEqual(["web/nightly-20261125T0200Z"]);
    expect(await settlePendingOverlays(hv, journal)).toEqual([
      {
        domain: "web",
        severity: "info",
        message: expect.stringMatching(/^removed the overlays web\/nightly-20261125T0200Z of snapshot nightly-20261125T0200Z/),
      },
    ]);
    expect([...hv.prepared]).toEqual([]);
    expect(await pendingOverlays(journal).list({ uri: hv.uri })).toEqual([]);
  });

  it("deletes the snapshot of a cut that finished after frost had stopped waiting: the guest may have been thawed by then", async () => {
    hv.domain("web")!.cutTimesOut = "completes";
    await expect(take()).rejects.toThrow(/did not finish/);
    expect(hv.domain("web")?.snapshots?.map((s) => s.name)).toEqual(["nightly-20261125T0200Z"]);
    const [notice] = await settlePendingOverlays(hv, journal);
    expect(notice).toMatchObject({ domain: "web", severity: "warning" });
    expect(notice?.message).toMatch(/deleted snapshot nightly-20261125T0200Z: libvirt finished its cut after frost had stopped waiting/);
    expect(hv.domain("web")?.snapshots ?? []).toEqual([]);
    expect(await pendingOverlays(journal).list({ uri: hv.uri })).toEqual([]);
  });
});
