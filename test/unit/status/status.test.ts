import { describe, expect, it } from "vitest";
import type { ObservedDomain } from "../../../reconcile/providers/libvirt/hypervisor.js";
import type { HostObservation } from "../../../reconcile/plan/plan.js";
import { buildStatus } from "../../../reconcile/status/status.js";
import { DesiredBuilder, observedHost, devices, frostSnapshot, running } from "../../support/builders.js";

const withAgent = devices({ controller: true, channel: true, connected: true });

const desired = new DesiredBuilder().adopt("db1", true).schedule("nightly", ["db1"]).build();
const now = new Date("2026-11-25T12:00:00Z");

describe("frost status", () => {
  it("is ok when the agent answers and the newest snapshot is within one period", () => {
    const r = buildStatus(
      desired,
      observedHost([{ ...running("db1", withAgent), snapshots: [frostSnapshot("nightly", "2026-11-25T02:00:00.000Z")], freeze: "thawed" }]),
      now,
    );
    expect(r.severity).toBe("ok");
    expect(r.instances[0]).toMatchObject({ channel: "connected", agent: "ok", freeze: "thawed", snapshots: 1 });
    expect(r.schedules[0]).toMatchObject({ verdict: "ok", periodMs: 86_400_000 });
  });

  it("warns when the newest snapshot is older than a period and a tenth", () => {
    const r = buildStatus(
      desired,
      observedHost([{ ...running("db1", withAgent), snapshots: [frostSnapshot("nightly", "2026-11-24T02:00:00.000Z")] }]),
      now,
    );
    expect(r.schedules[0]?.verdict).toBe("late");
    expect(r.severity).toBe("warn");
  });

  it("is critical when there is no snapshot at all, or one older than two periods", () => {
    expect(buildStatus(desired, observedHost([running("db1", withAgent)]), now).schedules[0]?.verdict).toBe("missing");
    const old = buildStatus(
      desired,
      observedHost([{ ...running("db1", withAgent), snapshots: [frostSnapshot("nightly", "2026-11-22T02:00:00.000Z")] }]),
      now,
    );
    expect(old.severity).toBe("crit");
  });

  it("is critical when a guest is frozen, and warns when a wanted agent does not answer", () => {
    const frozen = buildStatus(
      desired,
      observedHost([{ ...running("db1", withAgent), freeze: "frozen", snapshots: [frostSnapshot("nightly", "2026-11-25T02:00:00.000Z")] }]),
      now,
    );
    expect(frozen.instances[0]?.problems).toContain("filesystems frozen");
    expect(frozen.severity).toBe("crit");
    const silent = buildStatus(
      desired,
      observedHost([
        {
          ...running("db1", withAgent),
          agent: { status: "not-connected" },
          snapshots: [frostSnapshot("nightly", "2026-11-25T02:00:00.000Z")],
        },
      ]),
      now,
    );
    expect(silent.severity).toBe("warn");
  });

  it("is critical when a host is unreachable", () => {
    expect(buildStatus(desired, { default: { status: "unreachable", error: "no socket" } }, now).severity).toBe("crit");
  });
});
