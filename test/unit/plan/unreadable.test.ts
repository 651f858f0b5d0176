import type { LibvirtFacts } from "../../../reconcile/providers/libvirt/facts.js";
import { describe, expect, it } from "vitest";
import { fixedClock } from "../../../reconcile/clock.js";
import type { ObservedDomain } from "../../../reconcile/providers/libvirt/hypervisor.js";
import { plan, type HostObservation } from "../../../reconcile/plan/plan.js";
import { buildStatus } from "../../../reconcile/status/status.js";
import { DesiredBuilder, devices, frostSnapshot, running } from "../../support/builders.js";

// What observation could not read is reported where it belongs; everything else is planned as usual.
const withAgent = devices({ controller: true, channel: true, connected: true });
const clock = fixedClock("2026-11-25T02:05:00Z");
const desired = new DesiredBuilder()
  .adopt("db1", undefined)
  .adopt("db2", undefined)
  .schedule("nightly", ["db1", "db2"], { keep: { last: 3 } })
  .build();

function db(name: string, extra: Partial<ObservedDomain> = {}): ObservedDomain {
  return { ...running(name, withAgent), snapshots: [frostSnapshot("nightly", "2026-11-24T02:00:00.000Z")], ...extra };
}

function observed(domains: ObservedDomain[], unreadable?: Record<string, string>): Record<string, HostObservation> {
  return {
    default: {
      status: "observed",
      facts: {
        host: {
          uri: "test:///fake",
          names: [...domains.map((d) => d.name), ...Object.keys(unreadable ?? {})],
          domains: Object.fromEntries(domains.map((d) => [d.name, d])),
          ...(unreadable ? { unreadable } : {}),
        },
        journal: [],
      },
    },
  };
}

describe("what observation could not read", () => {
  it("reports a declared domain libvirt would not let frost read at its instance, plans nothing for it, and the others as usual", () => {
    const p = plan(desired, observed([db("db2")], { db1: "virsh dumpxml: internal error: cannot read the definition" }), { clock });
    expect(p.errored).toBe(false);
    expect(p.hosts.map((h) => h.status)).toEqual(["observed"]);
    expect(p.remarks).toContainEqual({
      host: "default",
      address: "instance.db1",
      message: "the domain could not be read (virsh dumpxml: internal error: cannot read the definition); nothing is planned for it",
    });
    expect(p.changes.map((c) => `${c.action} ${c.address}`)).toEqual(["snapshot instance.db2"]);
  });

  it("never destroys blind: a domain frost created and no longer declares, that could not be read, is left as it is", () => {
    const observations = observed([db("db1"), db("db2")], { old: "virsh snapshot-list: internal error: cannot list snapshots" });
    const o = observations["default"];
    if (o?.status === "observed")
      (o.facts as LibvirtFacts).definitions = { old: { record: { createdBy: "frost", image: "tiny", disk: "old-0123456789ab.qcow2" } } };
    const p = plan(desired, observations, { clock });
    expect(p.changes.filter((c) => c.address === "instance.old")).toEqual([]);
    expect(p.remarks).toContainEqual({
      host: "default",
      address: "instance.old",
      message: "the domain could not be read (virsh snapshot-list: internal error: cannot list snapshots); it is left as it is",
    });
  });

  it("says at the instance what of its domain could not be read, and plans the rest", () => {
    const problem = "snapshot nightly-20261123T0200Z could not be read (virsh snapshot-dumpxml: internal error: x); frost leaves it alone";
    const p = plan(desired, observed([db("db1", { problems: [problem], foreignSnapshots: ["nightly-20261123T0200Z"] }), db("db2")]), {
      clock,
    });
    expect(p.remarks).toContainEqual({ host: "default", address: "instance.db1", message: problem });
    expect(p.changes.map((c) => `${c.action} ${c.address}`)).toEqual(["snapshot instance.db1", "snapshot instance.db2"]);
  });

  it("says at the pool which volumes virsh listed in a way frost cannot read back to a name", () => {
    const withImage = new DesiredBuilder().image("tiny", true).build();
    const row = " unit:0:0:1   /dev/disk/by-path/ip-192.0.2.1:3260-iscsi-iqn.2026-11.example:t-lun-1";
    const observations = observed([]);
    const o = observations["default"];
    if (o?.status === "observed")
      (o.facts as LibvirtFacts).pool = { name: "default", active: true, path: "/srv/pool", volumes: [], unreadable: [row] };
    const p = plan(withImage, observations, {
      clock,
      images: { tiny: { status: "read", facts: { digest: "ab".repeat(32), bytes: 1024, format: "qcow2", virtualSize: 1 << 26 } } },
    });
    expect(p.remarks).toContainEqual({
      host: "default",
      address: "pool.default",
      message: `virsh vol-list printed 1 volume(s) whose name frost cannot read back from it (${JSON.stringify(row.trim())}): frost never touches them`,
    });
    expect(p.changes.map((c) => `${c.action} ${c.address}`)).toEqual(["create image.tiny"]);
  });

  it("shows them in frost status: an unreadable domain as critical with libvirt's words, problems as warnings, others' snapshots by count", () => {
    const report = buildStatus(
      desired,
      observed(
        [db("db2", { problems: ["its snapshot names could not be read exactly"], foreignSnapshots: ["bob's-20261124T0200Z", "a b"] })],
        {
          db1: "virsh dumpxml: internal error: x",
        },
      ),
      new Date("2026-11-25T02:05:00Z"),
    );
    expect(report.instances.map((i) => [i.instance, i.severity, i.state, i.problems, i.foreignSnapshots])).toEqual([
      ["db1", "crit", "unreadable", ["could not be read: virsh dumpxml: internal error: x"], []],
      ["db2", "warn", "running", ["its snapshot names could not be read exactly"], ["bob's-20261124T0200Z", "a b"]],
    ]);
  });
});
