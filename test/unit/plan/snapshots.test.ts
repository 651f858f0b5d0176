import { describe, expect, it } from "vitest";
import { fixedClock } from "../../../reconcile/clock.js";
import type { ObservedDomain } from "../../../reconcile/providers/libvirt/hypervisor.js";
import { plan, type HostObservation } from "../../../reconcile/plan/plan.js";
import type { JournalFact } from "../../../reconcile/providers/libvirt/plan/thaw.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyPlan } from "../../../reconcile/apply.js";
import { FakeHypervisor } from "../../support/fake-libvirt/fake-hypervisor.js";
import { observeHosts } from "../../../reconcile/observe.js";
import { FreezeJournal } from "../../../reconcile/snapshots/freeze-journal.js";
import { DesiredBuilder, observedHost, devices, frostSnapshot, running, shutoff } from "../../support/builders.js";
import { testEnv } from "../../support/env.js";

const withAgent = devices({ controller: true, channel: true, connected: true });

function db1(...snapshots: ReturnType<typeof frostSnapshot>[]): ObservedDomain {
  return { ...running("db1", withAgent), snapshots };
}

describe("planning scheduled snapshots", () => {
  const desired = new DesiredBuilder()
    .adopt("db1", undefined)
    .schedule("nightly", ["db1"], { keep: { last: 3 } })
    .build();

  it("plans a snapshot named after the schedule and the tick it stands for, with the quiesce policy", () => {
    const p = plan(desired, observedHost([db1(frostSnapshot("nightly", "2026-11-24T02:00:00.000Z"))]), {
      clock: fixedClock("2026-11-25T02:05:00Z"),
    });
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0]).toMatchObject({
      action: "snapshot",
      address: "instance.db1",
      reason: "@nightly (due since 2026-11-25 02:00 UTC; quiesce preferred)",
    });
    expect(p.changes[0]?.steps[0]).toEqual({
      kind: "take-snapshot",
      domain: "db1",
      request: { name: "nightly-20261125T0200Z", schedule: "nightly", scheduledAt: "2026-11-25T02:00:00.000Z", quiesce: "preferred" },
    });
  });

  it("plans nothing when the newest snapshot stands for the latest tick", () => {
    const p = plan(desired, observedHost([db1(frostSnapshot("nightly", "2026-11-25T02:00:00.000Z"))]), {
      clock: fixedClock("2026-11-25T23:59:00Z"),
    });
    expect(p.changes).toEqual([]);
  });

  it("takes one catch-up snapshot after downtime, not one per missed tick", () => {
    const p = plan(desired, observedHost([db1(frostSnapshot("nightly", "2026-11-20T02:00:00.000Z"))]), {
      clock: fixedClock("2026-11-25T12:00:00Z"),
    });
    const snapshots = p.changes.filter((c) => c.action === "snapshot");
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]?.reason).toMatch(/due since 2026-11-25 02:00 UTC, 4 ticks missed: one catch-up snapshot/);
  });

  it("ignores snapshots of other schedules, on-demand ones and foreign ones when deciding due-ness", () => {
    const domain = {
      ...db1(frostSnapshot("hourly", "2026-11-25T02:00:00.000Z"), frostSnapshot(undefined, "2026-11-25T02:00:00.000Z")),
      foreignSnapshots: ["before-upgrade", "nightly-20261125T0200Z", "x", "y"],
    };
    const p = plan(desired, observedHost([domain]), { clock: fixedClock("2026-11-25T03:00:00Z") });
    expect(p.changes.map((c) => c.action)).toEqual(["snapshot"]);
  });

  it("prunes what retention no longer keeps, counting the snapshot about to be taken as the newest", () => {
    const existing = ["2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"].map((d) => frostSnapshot("nightly", `${d}T02:00:00.000Z`));
    const p = plan(desired, observedHost([db1(...existing)]), { clock: fixedClock("2026-11-25T02:05:00Z") });
    expect(p.changes.map((c) => `${c.action} ${c.action === "prune" ? c.reason : ""}`.trim())).toEqual([
      "snapshot",
      "prune nightly-20261121T0200Z (retention: not kept by last=3)",
      "prune nightly-20261122T0200Z (retention: not kept by last=3)",
    ]);
    expect(p.kept.map((k) => k.name)).toEqual(["nightly-20261124T0200Z", "nightly-20261123T0200Z"]);
  });

  it("never prunes snapshots of a schedule that is not in the configuration any more", () => {
    const other = new DesiredBuilder()
      .adopt("db1", undefined)
      .schedule("weekly", ["db1"], { keep: { last: 1 } })
      .build();
    const existing = ["2026-11-21", "2026-11-22"].map((d) => frostSnapshot("nightly", `${d}T02:00:00.000Z`));
    const p = plan(other, observedHost([db1(...existing)]), { clock: fixedClock("2026-11-25T02:05:00Z") });
    expect(p.changes.filter((c) => c.action === "prune")).toEqual([]);
  });

  it("never prunes the newest snapshot of a schedule, whatever the policy", () => {
    const strict = new DesiredBuilder()
      .adopt("db1", undefined)
      .schedule("nightly", ["db1"], { keep: { within: "1h" }, paused: false })
      .build();
    const existing = [frostSnapshot("nightly", "2026-11-24T02:00:00.000Z")];
    // Not due (same tick), so nothing new: the only snapshot must stay.
    const p = plan(strict, observedHost([db1(...existing)]), { clock: fixedClock("2026-11-24T23:00:00Z") });
    expect(p.changes).toEqual([]);
  });

  it("plans nothing for a paused schedule", () => {
    const paused = new DesiredBuilder()
      .adopt("db1", undefined)
      .schedule("nightly", ["db1"], { paused: true, keep: { last: 1 } })
      .build();
    const existing = ["2026-11-21", "2026-11-22"].map((d) => frostSnapshot("nightly", `${d}T02:00:00.000Z`));
    expect(plan(paused, observedHost([db1(...existing)]), { clock: fixedClock("2026-11-25T03:00:00Z") }).changes).toEqual([]);
  });

  it("skips a shut-off domain with a remark instead of a snapshot", () => {
    const p = plan(desired, observedHost([{ ...shutoff("db1", withAgent), snapshots: [] }]), { clock: fixedClock("2026-11-25T03:00:00Z") });
    expect(p.changes).toEqual([]);
    expect(p.remarks[0]?.message).toMatch(/due since 2026-11-25 02:00 UTC, but the domain is shutoff/);
  });

  it("covers every instance with instances: all", () => {
    const all = new DesiredBuilder().adopt("a", undefined).adopt("b", undefined).schedule("nightly", "all").build();
    const p = plan(all, observedHost([running("a", withAgent), running("b", withAgent)]), { clock: fixedClock("2026-11-25T03:00:00Z") });
    expect(p.changes.map((c) => c.address)).toEqual(["instance.a", "instance.b"]);
  });
});

describe("the effective quiesce policy", () => {
  it("is required when the image says os_require_quiesce, and a schedule cannot weaken it", () => {
    const desired = new DesiredBuilder()
      .image("cirros", true)
      .requireQuiesce("cirros")
      .adopt("db1", undefined, { adopt: false, image: "cirros" })
      .schedule("nightly", ["db1"], { quiesce: "preferred" })
      .build();
    const p = plan(desired, observedHost([db1()]), { clock: fixedClock("2026-11-25T03:00:00Z") });
    expect(p.changes.find((c) => c.action === "snapshot")?.reason).toMatch(/quiesce required/);
  });

  it("warns in the plan when quiesce is required and the agent does not answer", () => {
    const desired = new DesiredBuilder().adopt("db1", undefined, { quiesce: "required" }).schedule("nightly", ["db1"]).build();
    const silent = { ...db1(), agent: { status: "not-connected" as const } };
    const p = plan(desired, observedHost([silent]), { clock: fixedClock("2026-11-25T03:00:00Z") });
    expect(p.changes[0]?.notes[0]).toMatch(/does not answer \(not-connected\): this snapshot will fail, as quiesce is required/);
  });
});

describe("a scheduled snapshot whose name is taken", () => {
  const desired = new DesiredBuilder()
    .adopt("db1", undefined)
    .schedule("nightly", ["db1"], { keep: { last: 2 } })
    .build();
  const journal = new FreezeJournal(mkdtempSync(join(tmpdir(), "frost-journal-")));
  const quiet = { preApply: () => {}, postApply: () => {} };
  const planAt = async (hv: FakeHypervisor, now: string) =>
    plan(desired, await observeHosts(desired, testEnv({ connect: () => hv, journal }), { ping: true }), { clock: fixedClock(now) });

  it("takes the next free name, which due-ness and retention count as that tick, and never touches the other", async () => {
    // An operator's snapshot with the very name of the tick frost is about to take.
    const hv = new FakeHypervisor()
      .withDomain({ name: "db1", state: "running", live: withAgent, persistent: withAgent })
      .withSnapshot("db1", { name: "nightly-20261125T0200Z", description: "taken by hand before an upgrade" });
    const first = await planAt(hv, "2026-11-25T02:05:00Z");
    expect(first.errored).toBe(false);
    expect(first.changes).toHaveLength(1);
    expect(first.changes[0]?.after).toEqual({ snapshot: "nightly-20261125T0200Z-2" });
    expect(first.changes[0]?.notes).toContain(
      "nightly-20261125T0200Z is taken by another snapshot of this domain; this one is named nightly-20261125T0200Z-2",
    );
    expect(first.changes[0]?.steps[0]).toMatchObject({
      request: { name: "nightly-20261125T0200Z-2", scheduledAt: "2026-11-25T02:00:00.000Z" },
    });
    const applied = await applyPlan(first, quiet, {
      env: testEnv({ connect: () => hv, journal, clock: fixedClock("2026-11-25T02:05:00Z") }),
      parallelism: 1,
    });
    expect(applied.failed).toBe(0);

    // The counted snapshot stands for its tick: nothing is due until the next one.
    expect((await planAt(hv, "2026-11-25T23:59:00Z")).changes).toEqual([]);
    for (const day of ["26", "27"]) {
      const next = await planAt(hv, `2026-11-${day}T02:05:00Z`);
      expect(next.changes[0]?.after).toEqual({ snapshot: `nightly-202611${day}T0200Z` });
      expect(
        (
          await applyPlan(next, quiet, {
            env: testEnv({ connect: () => hv, journal, clock: fixedClock(`2026-11-${day}T02:05:00Z`) }),
            parallelism: 1,
          })
        ).failed,
      ).toBe(0);
    }
    // Retention pruned the counted one like any other of its schedule; the operator's is still there.
    expect(hv.domain("db1")?.snapshots?.map((s) => s.name)).toEqual([
      "nightly-20261125T0200Z",
      "nightly-20261126T0200Z",
      "nightly-20261127T0200Z",
    ]);
  });
});

describe("planning thaws", () => {
  const desired = new DesiredBuilder().adopt("db1", undefined).build();
  const entry = {
    uri: "test:///fake",
    domain: "db1",
    pid: 4242,
    hostname: "h",
    startedAt: "2026-11-25T02:00:01Z",
    snapshot: "nightly-20261125T0200Z",
  };

  it("thaws a guest left frozen by an interrupted frost run", () => {
    const p = plan(desired, observedHost([{ ...db1(), freeze: "frozen" }], [{ entry, writerAlive: false }]), {
      clock: fixedClock("2026-11-25T03:00:00Z"),
    });
    expect(p.changes).toMatchObject([{ action: "thaw", address: "instance.db1", steps: [{ kind: "thaw", domain: "db1" }] }]);
    expect(p.changes[0]?.reason).toMatch(/left frozen by an interrupted run: pid 4242/);
  });

  it("leaves alone a guest that a running frost is snapshotting", () => {
    const p = plan(desired, observedHost([{ ...db1(), freeze: "frozen" }], [{ entry, writerAlive: true }]), {
      clock: fixedClock("2026-11-25T03:00:00Z"),
    });
    expect(p.changes).toEqual([]);
    expect(p.remarks[0]?.message).toMatch(/frozen by frost pid 4242/);
  });

  it("only remarks on a guest frozen by something else", () => {
    const p = plan(desired, observedHost([{ ...db1(), freeze: "frozen" }]), { clock: fixedClock("2026-11-25T03:00:00Z") });
    expect(p.changes).toEqual([]);
    expect(p.remarks[0]?.message).toMatch(/not by frost.*frost thaw db1/);
  });

  it("remarks that a guest may still be frozen when a run proven gone froze it and its agent cannot say", () => {
    const silent = { ...db1(), agent: { status: "not-connected" as const } };
    const p = plan(desired, observedHost([silent], [{ entry, writerAlive: false, why: "pid 4242 no longer runs" }]), {
      clock: fixedClock("2026-11-25T03:00:00Z"),
    });
    expect(p.changes).toEqual([]);
    expect(p.remarks).toEqual([
      {
        host: "default",
        address: "instance.db1",
        message:
          "may still be frozen: frost pid 4242 froze it at 2026-11-25T02:00:01Z and is gone, and its agent does not answer (not-connected); frost thaws it as soon as the agent answers",
      },
    ]);
  });

  it("plans nothing for a thawed guest, even with a leftover journal entry", () => {
    const p = plan(desired, observedHost([{ ...db1(), freeze: "thawed" }], [{ entry, writerAlive: false }]), {
      clock: fixedClock("2026-11-25T03:00:00Z"),
    });
    expect(p.changes).toEqual([]);
  });
});
