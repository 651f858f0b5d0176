import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FreezeJournal } from "../../../reconcile/snapshots/freeze-journal.js";
import { applyPlan, type ApplyHooks, type ChangeOutcome } from "../../../reconcile/apply.js";
import { fixedClock } from "../../../reconcile/clock.js";
import type { DesiredState } from "../../../reconcile/config/types.js";
import { FakeHypervisor } from "../../support/fake-libvirt/fake-hypervisor.js";
import type { Change } from "../../../reconcile/model.js";
import { observeHosts } from "../../../reconcile/observe.js";
import { plan } from "../../../reconcile/plan/plan.js";
import { DesiredBuilder, devices } from "../../support/builders.js";
import { testEnv } from "../../support/env.js";
import { virtualTimers } from "../../support/timers.js";

const clock = fixedClock("2026-11-25T12:00:00Z");
const journal = new FreezeJournal(mkdtempSync(join(tmpdir(), "frost-journal-")));
const options = { clock, journal };

/** The lab's three demo domains, in the fake. */
function demoHost(): FakeHypervisor {
  return new FakeHypervisor()
    .withDomain({ name: "live", state: "running", live: devices({ controller: true }), persistent: devices({ controller: true }) })
    .withDomain({ name: "nocontroller", state: "running", live: devices({}), persistent: devices({}) })
    .withDomain({ name: "off", state: "shutoff", persistent: devices({}) });
}

const allWantAgent = (): DesiredState => new DesiredBuilder().adopt("live", true).adopt("nocontroller", true).adopt("off", true).build();

async function planAgainst(desired: DesiredState, hv: FakeHypervisor) {
  return plan(desired, await observeHosts(desired, testEnv({ connect: () => hv, journal }), { ping: true }), { clock });
}

function recorder(): ApplyHooks & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    preApply: (c: Change) => events.push(`pre ${c.address}`),
    postApply: (c: Change, o: ChangeOutcome) => events.push(`post ${c.address} ${o.status}`),
  };
}

describe("applying agent-channel plans", () => {
  it("performs each planned step through the hypervisor and reports progress around each change", async () => {
    const hv = demoHost();
    const hooks = recorder();
    const result = await applyPlan(await planAgainst(allWantAgent(), hv), hooks, {
      env: testEnv({ connect: () => hv, journal, clock }),
      parallelism: 1,
    });
    expect(result.failed).toBe(0);
    expect(hv.calls).toEqual([
      "attach live live+config",
      "record live config",
      "attach nocontroller config",
      "record nocontroller config",
      "attach off config",
      "record off config",
    ]);
    expect(hooks.events).toEqual([
      "pre instance.live",
      "post instance.live done",
      "pre instance.nocontroller",
      "post instance.nocontroller done",
      "pre instance.off",
      "post instance.off done",
    ]);
  });

  it("converges: planning against the state an apply produced gives no changes", async () => {
    const hv = demoHost();
    const desired = allWantAgent();
    await applyPlan(await planAgainst(desired, hv), recorder(), { env: testEnv({ connect: () => hv, journal, clock }) });
    const again = await planAgainst(desired, hv);
    expect(again.changes).toEqual([]);
    // The domain without a controller keeps saying why its channel is not live yet.
    expect(again.remarks.map((r) => r.address)).toEqual(["instance.nocontroller"]);
  });

  it("is idempotent: applying twice changes nothing the second time", async () => {
    const hv = demoHost();
    const desired = allWantAgent();
    await applyPlan(await planAgainst(desired, hv), recorder(), { env: testEnv({ connect: () => hv, journal, clock }) });
    const callsAfterFirst = hv.calls.length;
    await applyPlan(await planAgainst(desired, hv), recorder(), { env: testEnv({ connect: () => hv, journal, clock }) });
    expect(hv.calls.length).toBe(callsAfterFirst);
  });

  it("reports a failed change, goes on with the others, and a re-run converges", async () => {
    const hv = demoHost();
    const desired = allWantAgent();
    hv.failNext("attach", "internal error: unable to execute QEMU command 'device_add'");
    const hooks = recorder();
    const first = await applyPlan(await planAgainst(desired, hv), hooks, { env: testEnv({ connect: () => hv, journal, clock }) });
    expect(first.failed).toBe(1);
    expect(first.outcomes[0]?.outcome).toMatchObject({ status: "failed", error: expect.stringContaining("device_add") });
    expect(hooks.events).toContain("post instance.off done");

    const retry = await planAgainst(desired, hv);
    expect(retry.changes.map((c) => c.address)).toEqual(["instance.live"]);
    expect((await applyPlan(retry, recorder(), { env: testEnv({ connect: () => hv, journal, clock }) })).failed).toBe(0);
    expect((await planAgainst(desired, hv)).changes).toEqual([]);
  });

  it("removes the channel again with agent: false, live by alias and persistent", async () => {
    const hv = demoHost();
    await applyPlan(await planAgainst(allWantAgent(), hv), recorder(), { env: testEnv({ connect: () => hv, journal, clock }) });
    const off = new DesiredBuilder().adopt("live", false).adopt("nocontroller", false).adopt("off", false).build();
    const result = await applyPlan(await planAgainst(off, hv), recorder(), { env: testEnv({ connect: () => hv, journal, clock }) });
    expect(result.failed).toBe(0);
    expect(hv.domain("live")?.live?.agentChannel).toBeUndefined();
    expect(hv.domain("live")?.persistent.agentChannel).toBeUndefined();
    expect(hv.domain("off")?.persistent.agentChannel).toBeUndefined();
    expect((await planAgainst(off, hv)).changes).toEqual([]);
  });

  it("refuses an errored plan", async () => {
    const hv = demoHost();
    const errored = await planAgainst(new DesiredBuilder().adopt("ghost", true).build(), hv);
    await expect(applyPlan(errored, recorder(), { env: testEnv({ connect: () => hv, journal, clock }) })).rejects.toThrow(/errored plan/);
    expect(hv.calls).toEqual([]);
  });
});

describe("waiting for the guest agent after a hot-plug", () => {
  const liveOnly = () =>
    new FakeHypervisor().withDomain({
      name: "live",
      state: "running",
      live: devices({ controller: true }),
      persistent: devices({ controller: true }),
      agent: "absent",
    });
  const desired = () => new DesiredBuilder().adopt("live", true).build();

  it("gives up at its deadline, by the run's timers, and says the channel is attached but nothing answered", async () => {
    const hv = liveOnly();
    const timers = virtualTimers();
    const started = performance.now();
    const result = await applyPlan(await planAgainst(desired(), hv), recorder(), {
      env: testEnv({ connect: () => hv, journal, clock, timers }),
    });
    expect(result.outcomes[0]?.outcome).toMatchObject({
      status: "done",
      warnings: ["the channel is attached, but no guest agent answered within 10 s (not-connected)"],
    });
    expect(timers.elapsed).toBeGreaterThanOrEqual(10_000);
    expect(timers.elapsed).toBeLessThan(10_000 + 250);
    // Ten seconds of waiting took no ten seconds: the wait is spent by the injected timers only.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("stops waiting as soon as the agent answers", async () => {
    const hv = liveOnly();
    const timers = virtualTimers();
    timers.setTimeout(() => {
      const d = hv.domain("live");
      if (d) d.agent = "running";
    }, 2_000);
    const result = await applyPlan(await planAgainst(desired(), hv), recorder(), {
      env: testEnv({ connect: () => hv, journal, clock, timers }),
    });
    expect(result.outcomes[0]?.outcome).toMatchObject({ status: "done", detail: "the guest agent answers" });
    expect(timers.elapsed).toBeGreaterThanOrEqual(2_000);
    expect(timers.elapsed).toBeLessThan(2_000 + 250 + 1);
  });
});

describe("observing through the fake", () => {
  it("reports an unreachable host without stopping", async () => {
    const hv = demoHost();
    hv.failNext("observe", "Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory");
    const obs = await observeHosts(allWantAgent(), testEnv({ connect: () => hv, journal }), { ping: true });
    expect(obs["default"]).toMatchObject({ status: "unreachable", error: expect.stringContaining("Failed to connect socket") });
  });
});
