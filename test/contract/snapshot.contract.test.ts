import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../reconcile/clock.js";
import type { ObservedDomain, SnapshotMeta } from "../../reconcile/providers/libvirt/hypervisor.js";
import { FreezeJournal } from "../../reconcile/snapshots/freeze-journal.js";
import { SnapshotRefused, takeSnapshot } from "../../reconcile/providers/libvirt/snapshots/take.js";
import { fakeWorld, libvirtWorld, type World } from "./worlds.js";

// Snapshot sessions, freeze state, deletion and foreign snapshots: the same cases against the fake
// and real libvirt. Three domains serve the whole file (a guest boots in ~3.5 s): one with a
// working agent, one whose agent never runs, one whose agent is made to hang.
const meta = (extra: Partial<SnapshotMeta> = {}): SnapshotMeta => ({
  takenAt: "2026-11-25T02:00:00.000Z",
  consistency: "filesystem",
  quiesce: "required",
  frozenFilesystems: 2,
  frostVersion: "0.1.0",
  ...extra,
});
const crash = meta({ consistency: "crash", frozenFilesystems: 0, quiesce: "off" });
const S1 = "ondemand-20261125T020001Z";
const S2 = "ondemand-20261125T020002Z";
const FOREIGN_SHAPED = "nightly-20261125T0200Z"; // frost's name shape, but no frost record
const FOREIGN = "before-upgrade";

/** `<epoch.micro> frozen|thawed` lines of the guest's fsfreeze hook. */
function hookEvents(log: string): { at: number; what: string }[] {
  return log
    .split("\n")
    .map((l) => /^(\d+(?:\.\d+)?) (frozen|thawed)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ at: Number(m[1]), what: m[2] as string }));
}

for (const make of [fakeWorld, libvirtWorld]) {
  const world: World = make();
  const hv = world.hv;
  const A = "t-vsnap-a";
  const NOAGENT = "t-vsnap-noagent";
  const HUNG = "t-vsnap-hung";
  const NAMES = "t-vsnap-names";
  const observe = async (name: string): Promise<ObservedDomain> => {
    const d = (await hv.observe({ domains: [name], ping: true })).domains[name];
    if (!d) throw new Error(`${name} not observed`);
    return d;
  };
  let definedDisks: string | undefined;

  describe(`snapshot contract: ${world.name}`, () => {
    beforeAll(async () => {
      await Promise.all([
        world.define(A, "channel", { start: true }),
        world.define(NOAGENT, "channel", { start: true, agent: false }),
        world.define(HUNG, "channel", { start: true }),
      ]);
      expect(await world.waitForAgent(A)).toBe(true);
      expect(await world.waitForAgent(HUNG)).toBe(true);
    });

    afterAll(async () => {
      await world.hangAgent(HUNG, false).catch(() => {});
      for (const name of [A, NOAGENT, HUNG]) await world.remove(name);
    });

    it("takes a filesystem-consistent snapshot: ping, freeze, cut, thaw, record; observe lists it, thawed", async () => {
      const session = await hv.openSnapshotSession(A);
      let frozen = 0;
      try {
        expect(session.alive).toBe(true);
        expect((await session.ping(3000)).status).toBe("ok");
        frozen = await session.freeze(10_000);
        expect(frozen).toBe(2);
        await session.createSnapshot(S1, meta({ frozenFilesystems: frozen }), 30_000);
        expect(await session.thaw(10_000)).toBe(frozen);
        await session.recordMeta(S1, meta({ frozenFilesystems: frozen, freezeWindowMs: 123 }), 10_000);
      } finally {
        await session.close();
      }
      expect(session.alive).toBe(false);
      const d = await observe(A);
      expect(d.freeze).toBe("thawed");
      expect(d.foreignSnapshots).toEqual([]);
      expect(d.snapshots.map((s) => ({ name: s.name, createdAt: s.createdAt, meta: s.meta }))).toEqual([
        { name: S1, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/), meta: meta({ freezeWindowMs: 123 }) },
      ]);
      if (world.lab) {
        // The overlay it put on each disk, on top of the image the domain was defined with.
        const overlays = await world.lab.snapshotOverlays(A, S1);
        expect(d.snapshots[0]?.overlays).toEqual([
          { target: "vda", overlay: overlays["vda"], below: expect.stringMatching(new RegExp(`/${A}/sys\\.qcow2$`)) },
          { target: "vdb", overlay: overlays["vdb"], below: expect.stringMatching(new RegExp(`/${A}/data\\.qcow2$`)) },
        ]);
        const events = hookEvents(await world.lab.hookLog(A));
        expect(events.slice(-2).map((e) => e.what)).toEqual(["frozen", "thawed"]);
        // From here on the disks the domain was defined with are the bottom of the chain: read-only.
        definedDisks = await world.lab.definedDisksDigest(A);
      }
    });

    it("shows a guest left frozen as frozen, refuses a second freeze, and thaws it over a fresh connection", async () => {
      const session = await hv.openSnapshotSession(A);
      try {
        expect(await session.freeze(10_000)).toBe(2);
      } finally {
        await session.close(); // the session never thaws by itself
      }
      const frozen = await observe(A);
      expect(frozen.agent.status).toBe("ok"); // guest-ping still answers while frozen
      expect(frozen.freeze).toBe("frozen");
      const again = await hv.openSnapshotSession(A);
      try {
        await expect(again.freeze(10_000)).rejects.toThrow(
          "Unable to freeze filesystems: internal error: unable to execute QEMU agent command 'guest-fsfreeze-freeze': Command guest-fsfreeze-freeze has been disabled: the agent is in frozen state",
        );
        expect(again.alive).toBe(true);
      } finally {
        await again.close();
      }
      expect(await hv.thaw(A, 10_000)).toBe(2);
      expect(await hv.thaw(A, 10_000)).toBe(0);
      expect((await observe(A)).freeze).toBe("thawed");
    });

    it("refuses a second snapshot of one name, deletes a newer snapshot, then the oldest of the chain", async () => {
      const session = await hv.openSnapshotSession(A);
      try {
        await session.createSnapshot(S2, crash, 30_000);
        await expect(session.createSnapshot(S2, crash, 30_000)).rejects.toThrow(/already exists/);
      } finally {
        await session.close();
      }
      expect((await observe(A)).snapshots.map((s) => s.name)).toEqual([S1, S2]);
      await hv.deleteSnapshot(A, S2);
      expect((await observe(A)).snapshots.map((s) => s.name)).toEqual([S1]);
      await expect(hv.deleteSnapshot(A, S2)).rejects.toThrow(/Domain snapshot not found/);
      expect((await observe(A)).snapshots.map((s) => s.name)).toEqual([S1]);
    });

    it("names snapshots it did not take, parents first, and never deletes them", async () => {
      await world.foreignSnapshot(A, FOREIGN_SHAPED);
      await world.foreignSnapshot(A, FOREIGN);
      const d = await observe(A);
      expect(d.snapshots.map((s) => s.name)).toEqual([S1]);
      expect(d.foreignSnapshots).toEqual([FOREIGN_SHAPED, FOREIGN]);
      for (const name of [FOREIGN_SHAPED, FOREIGN]) {
        await expect(hv.deleteSnapshot(A, name)).rejects.toThrow(/not a frost record, and frost never touches snapshots it did not take/);
      }
      expect((await observe(A)).foreignSnapshots).toEqual([FOREIGN_SHAPED, FOREIGN]);
    });

    it("create/delete cycles never write into the disks the domain was defined with", async () => {
      for (let k = 3; k <= 5; k++) {
        const name = `ondemand-20261125T02000${k}Z`;
        const session = await hv.openSnapshotSession(A);
        try {
          await session.createSnapshot(name, crash, 30_000);
        } finally {
          await session.close();
        }
        await hv.deleteSnapshot(A, name);
      }
      const d = await observe(A);
      expect(d.snapshots.map((s) => s.name)).toEqual([S1]);
      expect(d.foreignSnapshots).toEqual([FOREIGN_SHAPED, FOREIGN]);
      if (world.lab) {
        expect(await world.lab.definedDisksDigest(A)).toBe(definedDisks);
        const chain = await world.lab.backingChain(A, "vda");
        expect(chain.map((f) => f.split("/").pop())).toEqual([`sys.${FOREIGN}`, `sys.${FOREIGN_SHAPED}`, `sys.${S1}`, "sys.qcow2"]);
      }
    });

    it("reports an agent that is not running, and fails its freeze and thaw with libvirt's words", async () => {
      const session = await hv.openSnapshotSession(NOAGENT);
      try {
        expect(await session.ping(3000)).toMatchObject({ status: "not-connected" });
        await expect(session.freeze(10_000)).rejects.toThrow(
          "Unable to freeze filesystems: Guest agent is not responding: QEMU guest agent is not connected",
        );
      } finally {
        await session.close();
      }
      await expect(hv.thaw(NOAGENT, 10_000)).rejects.toThrow(
        "Unable to thaw filesystems: Guest agent is not responding: QEMU guest agent is not connected",
      );
      expect((await observe(NOAGENT)).freeze).toBeUndefined();
    });

    it("prepares the overlays before the freeze: they exist before the cut, the snapshot uses them, deleting it removes them", async () => {
      const name = "ondemand-20261125T020007Z";
      const before = world.lab ? await world.lab.hookLog(A) : "";
      const session = await hv.openSnapshotSession(A);
      try {
        await session.prepare(name, meta({ frozenFilesystems: 0 }), 30_000);
        if (world.lab) {
          expect(await world.lab.files(A)).toEqual(expect.arrayContaining([`sys.${name}`, `data.${name}`]));
          // Owner, group and mode of the image it goes over (the lab's default DAC setup: libvirt-qemu, 0644).
          expect(await world.lab.owner(A, `sys.${name}`)).toEqual(await world.lab.owner(A, `sys.${FOREIGN}`));
        }
        expect((await session.ping(3000)).status).toBe("ok");
        const frozen = await session.freeze(10_000);
        try {
          await session.createSnapshot(name, meta({ frozenFilesystems: frozen }), 30_000);
        } finally {
          expect(await session.thaw(10_000)).toBe(frozen);
        }
      } finally {
        await session.close();
      }
      const d = await observe(A);
      expect(d.freeze).toBe("thawed");
      expect(d.snapshots.map((s) => [s.name, s.meta])).toEqual([
        [S1, meta({ freezeWindowMs: 123 })],
        [name, meta({ frozenFilesystems: 2 })],
      ]);
      if (world.lab) {
        const overlays = await world.lab.snapshotOverlays(A, name);
        expect(Object.keys(overlays).sort()).toEqual(["vda", "vdb"]);
        expect(overlays["vda"]?.endsWith(`/sys.${name}`)).toBe(true);
        expect(overlays["vdb"]?.endsWith(`/data.${name}`)).toBe(true);
        expect((await world.lab.backingChain(A, "vda"))[0]).toBe(overlays["vda"]);
        const events = hookEvents((await world.lab.hookLog(A)).slice(before.length));
        expect(events.map((e) => e.what)).toEqual(["frozen", "thawed"]);
      }
      await hv.deleteSnapshot(A, name); // libvirt pivots back and removes the overlays, frost's as its own
      expect((await observe(A)).snapshots.map((s) => s.name)).toEqual([S1]);
      if (world.lab) {
        expect((await world.lab.files(A)).filter((f) => f.endsWith(name))).toEqual([]);
        expect(await world.lab.definedDisksDigest(A)).toBe(definedDisks);
      }
    });

    it("leaves no prepared overlay behind when the snapshot is refused", async () => {
      const name = "ondemand-20261125T020008Z";
      const journal = new FreezeJournal(mkdtempSync(join(tmpdir(), "frost-journal-")));
      const clock = fixedClock("2026-11-25T02:00:08Z");
      const before = world.lab ? await world.lab.files(NOAGENT) : [];
      await expect(takeSnapshot(hv, NOAGENT, { name, quiesce: "required" }, { clock, journal })).rejects.toThrow(SnapshotRefused);
      expect((await observe(NOAGENT)).snapshots).toEqual([]);
      if (world.lab) expect(await world.lab.files(NOAGENT)).toEqual(before);
      // And with overlays prepared for it (a session that prepared, then closed without a cut).
      const session = await hv.openSnapshotSession(NOAGENT);
      try {
        await session.prepare(name, crash, 30_000);
        if (world.lab) expect((await world.lab.files(NOAGENT)).filter((f) => f.endsWith(name))).toHaveLength(2);
        expect(await session.discard(10_000)).toEqual({ left: [], pending: [] });
      } finally {
        await session.close();
      }
      if (world.lab) expect(await world.lab.files(NOAGENT)).toEqual(before);
    });

    it("keeps its own deadlines with a hung agent: ping times out, a freeze kills the session, a thaw throws", async () => {
      await world.hangAgent(HUNG, true);
      const session = await hv.openSnapshotSession(HUNG);
      try {
        const started = Date.now();
        expect((await session.ping(2000)).status).toBe("timeout");
        expect(Date.now() - started).toBeLessThan(3500);
        expect(session.alive).toBe(true); // usable still, e.g. for a crash-consistent snapshot
        await session.createSnapshot(S1, crash, 30_000);
        await expect(session.freeze(2000)).rejects.toThrow(/freeze did not finish within 2000 ms/);
        expect(session.alive).toBe(false);
      } finally {
        await session.close();
      }
      await expect(hv.thaw(HUNG, 2000)).rejects.toThrow(/did not finish within/);
      await world.hangAgent(HUNG, false);
      expect(await world.waitForAgent(HUNG)).toBe(true);
      await hv.thaw(HUNG, 10_000);
      expect((await observe(HUNG)).freeze).toBe("thawed");
    });

    it("names every snapshot it did not take, whatever libvirt let its name be, and reads its own beside them", async () => {
      // A domain of its own, shut off: libvirt takes disk-only snapshots of it all the same. The name
      // with a line break goes last: libvirt cannot take another external snapshot over its overlay.
      const odd = ["bob's-20261124T0200Z", "a b Zoë-ß", 'say "hi"', "-lead", "trail ", "a\\x0ab", "x\nnightly-20261124T0200Z"];
      await world.define(NAMES, "channel", { start: false });
      try {
        const session = await hv.openSnapshotSession(NAMES);
        try {
          await session.createSnapshot(S1, crash, 30_000);
        } finally {
          await session.close();
        }
        for (const name of odd) await world.foreignSnapshot(NAMES, name);
        const host = await hv.observe({ domains: [NAMES, A], ping: false });
        expect(host.unreadable).toBeUndefined();
        const d = host.domains[NAMES];
        expect(d?.snapshots.map((s) => [s.name, s.meta])).toEqual([[S1, crash]]);
        expect(d?.foreignSnapshots).toEqual(odd);
        expect(d?.problems).toBeUndefined();
        expect(host.domains[A]?.snapshots.map((s) => s.name)).toEqual([S1]);
        for (const name of odd) {
          await expect(hv.deleteSnapshot(NAMES, name)).rejects.toThrow(
            /not a frost record, and frost never touches snapshots it did not take/,
          );
        }
        expect((await observe(NAMES)).foreignSnapshots).toEqual(odd);
      } finally {
        await world.remove(NAMES);
      }
    });
  });
}
