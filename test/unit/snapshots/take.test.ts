import { pendingOverlays } from "../../../reconcile/providers/libvirt/snapshots/pending-overlays.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../../reconcile/clock.js";
import { HypervisorError } from "../../../reconcile/providers/libvirt/hypervisor.js";
import type { QuiescePolicy } from "../../../reconcile/config/types.js";
import { FreezeJournal } from "../../../reconcile/snapshots/freeze-journal.js";
import { SnapshotRefused, takeSnapshot } from "../../../reconcile/providers/libvirt/snapshots/take.js";
import { ThawFailed } from "../../../reconcile/providers/libvirt/snapshots/thaw.js";
import { ScriptedHypervisor, type SessionScript } from "../../support/scripted-hypervisor.js";

const clock = fixedClock("2026-11-25T02:00:30Z");
const fast = { pingMs: 100, freezeMs: 100, snapshotMs: 100, thawMs: 100 };
let journal: FreezeJournal;

beforeEach(() => {
  journal = new FreezeJournal(mkdtempSync(join(tmpdir(), "frost-journal-")));
});

function take(script: SessionScript, quiesce: QuiescePolicy, extra: { signal?: AbortSignal; holdFrozenMs?: number } = {}) {
  const hv = new ScriptedHypervisor(script);
  const request = { name: "nightly-20261125T0200Z", schedule: "nightly", scheduledAt: "2026-11-25T02:00:00.000Z", quiesce };
  return { hv, result: takeSnapshot(hv, "db1", request, { clock, journal, deadlines: fast, ...extra }) };
}

describe("taking a snapshot under its quiesce policy", () => {
  it("pings, freezes, cuts, thaws, then records the freeze window: filesystem-consistent", async () => {
    const { hv, result } = take({}, "required");
    const taken = await result;
    expect(hv.calls).toEqual(["open db1", "prepare", "ping", "freeze", "snapshot", "thaw", "recordMeta", "close"]);
    expect([...hv.files]).toEqual(["overlay.nightly-20261125T0200Z"]); // the snapshot's overlay now: kept
    expect(taken.meta).toMatchObject({ schedule: "nightly", consistency: "filesystem", frozenFilesystems: 2, quiesce: "required" });
    expect(taken.meta.freezeWindowMs).toBeGreaterThanOrEqual(0);
    // The snapshot was cut while frozen, so its first record says filesystem without the window; the window comes after the thaw.
    expect(hv.snapshots[0]?.meta.freezeWindowMs).toBe(taken.meta.freezeWindowMs);
    expect(await journal.list({ uri: hv.uri })).toEqual([]);
  });

  it("refuses when quiesce is required and the agent is not connected: no freeze, no snapshot", async () => {
    const { hv, result } = take({ ping: { status: "not-connected", message: "QEMU guest agent is not connected" } }, "required");
    await expect(result).rejects.toThrow(SnapshotRefused);
    await expect(result).rejects.toThrow(/quiesce is required and the guest agent is not connected.*no snapshot was taken/);
    expect(hv.calls).toEqual(["open db1", "prepare", "ping", "discard", "close"]);
    expect(hv.snapshots).toEqual([]);
  });

  it("falls back to a crash-consistent snapshot when quiesce is preferred and the agent is absent, and warns", async () => {
    const { hv, result } = take({ ping: { status: "timeout", message: "no answer within 3000 ms" } }, "preferred");
    const taken = await result;
    expect(hv.calls).toEqual(["open db1", "prepare", "ping", "snapshot", "close"]);
    expect(taken.meta).toMatchObject({ consistency: "crash", frozenFilesystems: 0 });
    expect(taken.warnings[0]).toMatch(/did not answer guest-ping in time.*crash-consistent snapshot instead/);
  });

  it("does not talk to the agent at all with quiesce off", async () => {
    const { hv, result } = take({}, "off");
    expect((await result).meta.consistency).toBe("crash");
    expect(hv.calls).toEqual(["open db1", "prepare", "snapshot", "close"]);
  });

  it("thaws after a failed freeze (it may have frozen some filesystems) and refuses when required", async () => {
    const { hv, result } = take({ freeze: new HypervisorError("freeze timed out", "domfsfreeze") }, "required");
    await expect(result).rejects.toThrow(/the freeze failed: freeze timed out; no snapshot was taken/);
    expect(hv.calls).toEqual(["open db1", "prepare", "ping", "freeze", "fresh-thaw", "discard", "close"]);
    expect(await journal.list({ uri: hv.uri })).toEqual([]);
  });

  it("thaws after a failed freeze and takes a crash-consistent snapshot when preferred", async () => {
    const { hv, result } = take(
      { freeze: new HypervisorError("Command guest-fsfreeze-freeze has been disabled", "domfsfreeze") },
      "preferred",
    );
    expect((await result).meta.consistency).toBe("crash");
    expect(hv.calls).toEqual(["open db1", "prepare", "ping", "freeze", "fresh-thaw", "snapshot", "close"]);
  });

  it("refuses when the agent froze no filesystem, after thawing", async () => {
    const { hv, result } = take({ freeze: 0 }, "required");
    await expect(result).rejects.toThrow(/froze no filesystem/);
    expect(hv.calls).toContain("thaw");
  });

  it("thaws when the snapshot cut fails while frozen, and reports libvirt's reason", async () => {
    const { hv, result } = take(
      { snapshot: new HypervisorError("internal error: unable to execute QEMU command 'transaction'", "snapshot-create") },
      "required",
    );
    await expect(result).rejects.toThrow(/transaction/);
    expect(hv.calls).toEqual(["open db1", "prepare", "ping", "freeze", "snapshot", "fresh-thaw", "discard", "close"]);
    expect(await journal.list({ uri: hv.uri })).toEqual([]);
  });

  it("removes the prepared overlays after a cut libvirt answered with an error: its job is over", async () => {
    const { hv, result } = take(
      { snapshot: new HypervisorError("internal error: unable to execute QEMU command 'transaction'", "snapshot-create") },
      "required",
    );
    await expect(result).rejects.toThrow(/transaction/);
    expect([...hv.files]).toEqual([]);
    expect(await pendingOverlays(journal).list({ uri: hv.uri })).toEqual([]);
  });

  it("never removes the overlays of a cut frost stopped waiting for: it keeps them, records them, and says so", async () => {
    const { hv, result } = take(
      {
        snapshot: new HypervisorError("createSnapshot did not finish within 100 ms; the virsh session was killed", "createSnapshot"),
        snapshotUnanswered: true,
      },
      "required",
    );
    await expect(result).rejects.toThrow(/did not finish within 100 ms.*kept overlay\.nightly-20261125T0200Z/);
    expect([...hv.files]).toEqual(["overlay.nightly-20261125T0200Z"]);
    const pending = await pendingOverlays(journal).list({ uri: hv.uri, hostUuid: await hv.hostUuid() });
    expect(pending.map((r) => r.entry)).toEqual([
      expect.objectContaining({
        domain: "db1",
        snapshot: "nightly-20261125T0200Z",
        files: ["overlay.nightly-20261125T0200Z"],
        quiesce: "required",
      }),
    ]);
    // The guest was thawed all the same, and its freeze entry is gone.
    expect(hv.calls).toContain("fresh-thaw");
    expect(await journal.list({ uri: hv.uri })).toEqual([]);
  });

  it("thaws over a fresh connection when the session's own thaw fails", async () => {
    const { hv, result } = take({ sessionThaw: [new HypervisorError("thaw timed out", "domfsthaw")] }, "required");
    await result;
    expect(hv.calls).toEqual(["open db1", "prepare", "ping", "freeze", "snapshot", "thaw", "fresh-thaw", "close"]);
  });

  it("keeps trying to thaw, and when every attempt fails says the guest may be frozen and keeps the journal entry", async () => {
    const err = () => new HypervisorError("Guest agent is not responding: Guest agent not available for now", "domfsthaw");
    const { hv, result } = take({ sessionThaw: [err()], freshThaw: [err(), err(), err()] }, "required");
    await expect(result).rejects.toThrow(ThawFailed);
    await expect(result).rejects.toThrow(/may still be frozen.*frost thaw db1/);
    expect(hv.calls.filter((c) => c === "fresh-thaw")).toHaveLength(3);
    const left = await journal.list({ uri: hv.uri });
    expect(left.map((r) => r.entry.domain)).toEqual(["db1"]);
    // The session is over: the entry is no longer this run's to hold, so the next pass thaws it.
    expect(journal.writerState(left[0]!.entry)).toEqual({ state: "gone", why: "this run's freeze session has ended" });
  });

  it("journals the freeze before sending it, with this process as the writer", async () => {
    const hv = new ScriptedHypervisor({});
    let seen: unknown[] = [];
    const session = await hv.openSnapshotSession("db1");
    hv.openSnapshotSession = async () => ({
      ...session,
      alive: true,
      freeze: async () => {
        seen = (await journal.list({ uri: hv.uri })).map((r) => ({ ...r.entry, state: journal.writerState(r.entry) }));
        return 2;
      },
      thaw: async () => 2,
      ping: async () => ({ status: "ok" }),
      createSnapshot: async () => {},
      recordMeta: async () => {},
      close: async () => {},
    });
    await takeSnapshot(hv, "db1", { name: "s", quiesce: "required" }, { clock, journal, deadlines: fast });
    expect(seen).toMatchObject([
      { domain: "db1", pid: process.pid, snapshot: "s", hostUuid: "00000000-0000-4000-8000-5c41b7ed0000", state: { state: "alive" } },
    ]);
  });

  it("on an interrupt while frozen, thaws at once and takes no snapshot", async () => {
    const controller = new AbortController();
    const { hv, result } = take({}, "required", { signal: controller.signal, holdFrozenMs: 10_000 });
    // Interrupt as soon as the guest is frozen.
    const poll = setInterval(() => {
      if (hv.calls.includes("freeze")) {
        controller.abort();
        clearInterval(poll);
      }
    }, 1);
    await expect(result).rejects.toThrow(/interrupted while the guest was frozen; it was thawed/);
    expect(hv.calls).toEqual(["open db1", "prepare", "ping", "freeze", "thaw", "discard", "close"]);
    expect(hv.snapshots).toEqual([]);
    expect([...hv.files]).toEqual([]);
  });

  it("prepares the snapshot (its XML, its overlays) before the ping and the freeze", async () => {
    const hv = new ScriptedHypervisor({});
    const session = await hv.openSnapshotSession("db1");
    let preparedBeforeFreeze: string[] = [];
    hv.openSnapshotSession = async () => ({
      ...session,
      alive: true,
      freeze: async () => {
        preparedBeforeFreeze = [...hv.files];
        return session.freeze(100);
      },
    });
    await takeSnapshot(hv, "db1", { name: "s", quiesce: "required" }, { clock, journal, deadlines: fast });
    expect(hv.calls.indexOf("prepare")).toBeLessThan(hv.calls.indexOf("ping"));
    expect(preparedBeforeFreeze).toEqual(["overlay.s"]);
    expect(hv.snapshots.map((x) => x.name)).toEqual(["s"]);
  });

  it.each([
    ["refused (no agent, required)", { ping: { status: "not-connected" as const } }, "required" as const],
    ["a failed freeze (required)", { freeze: new HypervisorError("freeze timed out", "domfsfreeze") }, "required" as const],
    ["a freeze of no filesystem (required)", { freeze: 0 }, "required" as const],
    ["a failed cut", { snapshot: new HypervisorError("unable to execute QEMU command 'transaction'", "snapshot-create") }, "off" as const],
  ])("removes the prepared overlays when no snapshot is taken: %s", async (_why, script: SessionScript, quiesce) => {
    const { hv, result } = take(script, quiesce);
    await expect(result).rejects.toThrow();
    expect(hv.calls).toContain("discard");
    expect(hv.calls.indexOf("discard")).toBeLessThan(hv.calls.indexOf("close"));
    expect([...hv.files]).toEqual([]);
    expect(hv.snapshots).toEqual([]);
  });

  it("removes the prepared overlays on an interrupt before the freeze", async () => {
    const controller = new AbortController();
    const hv = new ScriptedHypervisor({});
    const session = await hv.openSnapshotSession("db1");
    hv.openSnapshotSession = async () => ({
      ...session,
      alive: true,
      prepare: async (name, meta, ms) => {
        await session.prepare(name, meta, ms);
        controller.abort();
      },
    });
    await expect(
      takeSnapshot(hv, "db1", { name: "s", quiesce: "required" }, { clock, journal, deadlines: fast, signal: controller.signal }),
    ).rejects.toThrow();
    expect(hv.calls).toEqual(["open db1", "prepare", "discard", "close"]);
    expect([...hv.files]).toEqual([]);
  });

  it("keeps the prepared overlays a crash-consistent fallback took", async () => {
    const { hv, result } = take({ ping: { status: "not-connected" } }, "preferred");
    expect((await result).meta.consistency).toBe("crash");
    expect(hv.calls).not.toContain("discard");
    expect(hv.snapshots.map((x) => x.name)).toEqual(["nightly-20261125T0200Z"]);
  });

  it("refuses without a freeze when the preparation fails, and never pings", async () => {
    const { hv, result } = take({ prepare: new HypervisorError("the overlay /d/sys.s exists already", "prepare") }, "required");
    await expect(result).rejects.toThrow(/exists already/);
    expect(hv.calls).toEqual(["open db1", "prepare", "discard", "close"]);
  });

  it("starts no freeze once interrupted", async () => {
    const controller = new AbortController();
    controller.abort();
    const { hv, result } = take({}, "required", { signal: controller.signal });
    await expect(result).rejects.toThrow();
    expect(hv.calls).toEqual([]);
  });
});

describe("an interrupt that lands just before the hold starts", () => {
  it("does not wait out the hold: the guest is thawed at once", async () => {
    const controller = new AbortController();
    const hv = new ScriptedHypervisor({});
    const session = await hv.openSnapshotSession("db1");
    hv.openSnapshotSession = async () => ({
      ...session,
      alive: true,
      freeze: async () => {
        controller.abort();
        return 2;
      },
    });
    const started = Date.now();
    await expect(
      takeSnapshot(
        hv,
        "db1",
        { name: "s", quiesce: "required" },
        { clock, journal, deadlines: fast, signal: controller.signal, holdFrozenMs: 60_000 },
      ),
    ).rejects.toThrow(/interrupted while the guest was frozen/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
