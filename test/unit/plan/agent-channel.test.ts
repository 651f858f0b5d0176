import { describe, expect, it } from "vitest";
import { fixedClock } from "../../../reconcile/clock.js";
import type { ObservedDomain } from "../../../reconcile/providers/libvirt/hypervisor.js";
import { plan, type HostObservation } from "../../../reconcile/plan/plan.js";
import { DesiredBuilder, observedHost, devices, running, shutoff } from "../../support/builders.js";

const clock = fixedClock("2026-11-25T12:00:00Z");

const withController = devices({ controller: true });
const bare = devices({});
const withChannel = devices({ controller: true, channel: true, connected: true });

describe("planning the agent channel", () => {
  // Each row: what the domain looks like, what the config wants, and the single step the plan must hold.
  const table: { name: string; want: boolean; domain: ObservedDomain; step?: object; restartNote?: boolean; remark?: RegExp }[] = [
    {
      name: "running with controller gets a live and persistent attach",
      want: true,
      domain: running("d", withController),
      step: { kind: "attach-agent-channel", target: { live: true, config: true } },
    },
    {
      name: "running without controller gets a persistent attach and a restart note",
      want: true,
      domain: running("d", bare),
      step: { kind: "attach-agent-channel", target: { live: false, config: true } },
      restartNote: true,
    },
    {
      name: "shut off gets a persistent attach",
      want: true,
      domain: shutoff("d", bare),
      step: { kind: "attach-agent-channel", target: { live: false, config: true } },
    },
    {
      name: "live-only channel is added to the persistent definition",
      want: true,
      domain: running("d", withChannel, withController),
      step: { kind: "attach-agent-channel", target: { live: false, config: true } },
    },
    {
      name: "persistent-only channel on a running domain with a controller is hot-plugged",
      want: true,
      domain: running("d", withController, withChannel),
      step: { kind: "attach-agent-channel", target: { live: true, config: false } },
    },
    {
      name: "persistent-only channel without controller waits for a restart, with no change",
      want: true,
      domain: running("d", bare, devices({ controller: true, channel: true })),
      remark: /next full stop and start/,
    },
    { name: "channel present everywhere needs nothing", want: true, domain: running("d", withChannel) },
    { name: "shut off with the channel needs nothing", want: true, domain: shutoff("d", devices({ controller: true, channel: true })) },
    {
      name: "agent: false removes a live and persistent channel by its alias",
      want: false,
      domain: running("d", withChannel),
      step: { kind: "detach-agent-channel", target: { live: true, config: true }, alias: "channel0" },
    },
    {
      name: "agent: false on a shut-off domain removes the persistent channel",
      want: false,
      domain: shutoff("d", devices({ controller: true, channel: true })),
      step: { kind: "detach-agent-channel", target: { live: false, config: true } },
    },
    { name: "agent: false with no channel needs nothing", want: false, domain: running("d", withController) },
  ];

  for (const row of table) {
    it(row.name, () => {
      const p = plan(new DesiredBuilder().adopt("d", row.want).build(), observedHost([row.domain]), { clock });
      expect(p.errored).toBe(false);
      if (row.step) {
        expect(p.changes).toHaveLength(1);
        expect(p.changes[0]?.action).toBe("update");
        expect(p.changes[0]?.address).toBe("instance.d");
        // The channel step, then frost's record of what it applied (for drift).
        expect(p.changes[0]?.steps).toEqual([
          { domain: "d", ...row.step },
          { kind: "write-record", domain: "d", record: { agent: row.want }, target: { live: false, config: true } },
        ]);
        expect(p.changes[0]?.notes.some((n) => /restart needed/.test(n))).toBe(row.restartNote ?? false);
      } else {
        expect(p.changes).toEqual([]);
      }
      if (row.remark) expect(p.remarks[0]?.message).toMatch(row.remark);
    });
  }

  it("leaves the channel alone when neither the instance nor its image says anything", () => {
    // An adopted domain without `agent:` is adopted for other reasons (snapshots); its channel is not frost's business.
    const p = plan(new DesiredBuilder().adopt("d", undefined).build(), observedHost([running("d", withController)]), { clock });
    expect(p.changes).toEqual([]);
  });

  it("takes the wish from the image's hw_qemu_guest_agent when the instance has no agent field", () => {
    const desired = new DesiredBuilder().image("cirros", true).adopt("d", undefined, { adopt: false, image: "cirros" }).build();
    const p = plan(desired, observedHost([running("d", withController)]), { clock });
    expect(p.changes[0]?.steps[0]).toMatchObject({ kind: "attach-agent-channel" });
  });

  it("lets an explicit agent: false win over the image property", () => {
    const desired = new DesiredBuilder().image("cirros", true).adopt("d", false, { adopt: false, image: "cirros" }).build();
    const p = plan(desired, observedHost([running("d", withController)]), { clock });
    expect(p.changes).toEqual([]);
  });

  it("records before and after of the channel for display", () => {
    const p = plan(new DesiredBuilder().adopt("d", true).build(), observedHost([running("d", withController)]), { clock });
    expect(p.changes[0]?.before).toEqual({ agentChannel: { live: false, persistent: false } });
    expect(p.changes[0]?.after).toEqual({ agentChannel: { live: true, persistent: true } });
  });

  it("remarks on a channel whose agent does not answer", () => {
    const domain = { ...running("d", withChannel), agent: { status: "timeout" as const, message: "no answer within 3000 ms" } };
    const p = plan(new DesiredBuilder().adopt("d", true).build(), observedHost([domain]), { clock });
    expect(p.changes).toEqual([]);
    expect(p.remarks[0]?.message).toMatch(/did not answer guest-ping.*3000 ms/);
  });
});

describe("planning instances that do not exist", () => {
  it("makes an adopted domain that does not exist a plan error at the instance's position, never a create", () => {
    const p = plan(new DesiredBuilder().adopt("ghost", true).build(), observedHost([]), { clock });
    expect(p.errored).toBe(true);
    expect(p.applyable).toBe(false);
    expect(p.changes).toEqual([]);
    expect(p.diagnostics[0]).toMatchObject({ severity: "error", code: "plan.adopt-missing", pos: { file: "frost.yaml", line: 10 } });
    expect(p.diagnostics[0]?.summary).toContain("no domain named ghost");
  });
});

describe("planning with an unreachable host", () => {
  it("reports the host and plans nothing for it", () => {
    const p = plan(
      new DesiredBuilder().adopt("d", true).build(),
      { default: { status: "unreachable", error: "Failed to connect socket" } },
      { clock },
    );
    expect(p.hosts).toEqual([{ name: "default", uri: "test:///fake", status: "unreachable", error: "Failed to connect socket" }]);
    expect(p.changes).toEqual([]);
    expect(p.errored).toBe(false);
  });
});

describe("the plan as a whole", () => {
  it("is pure: the same inputs give the same plan", () => {
    const desired = new DesiredBuilder().adopt("a", true).adopt("b", false).build();
    const obs = observedHost([running("a", withController), running("b", withChannel)]);
    expect(plan(desired, obs, { clock })).toEqual(plan(desired, obs, { clock }));
  });

  it("takes its timestamp from the injected clock", () => {
    const p = plan(new DesiredBuilder().build(), observedHost([]), { clock });
    expect(p.createdAt).toBe("2026-11-25T12:00:00.000Z");
  });
});
