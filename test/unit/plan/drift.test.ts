import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderPlanText } from "../../../cmd/render/plan-text.js";
import { applyPlan } from "../../../reconcile/apply.js";
import { fixedClock } from "../../../reconcile/clock.js";
import type { DesiredState } from "../../../reconcile/config/types.js";
import { FakeHypervisor } from "../../support/fake-libvirt/fake-hypervisor.js";
import { parseDomainDefinition, recordXml } from "../../../reconcile/providers/libvirt/driver/domain-definition.js";
import { FROST_METADATA_NS } from "../../../reconcile/providers/libvirt/frost-record.js";
import { observeHosts } from "../../../reconcile/observe.js";
import { plan } from "../../../reconcile/plan/plan.js";
import { FreezeJournal } from "../../../reconcile/snapshots/freeze-journal.js";
import { DesiredBuilder, devices, observedHost, shutoff } from "../../support/builders.js";
import { testEnv } from "../../support/env.js";

const clock = fixedClock("2026-11-25T12:00:00Z");
const journal = new FreezeJournal(mkdtempSync(join(tmpdir(), "frost-journal-")));
const quiet = { preApply: () => {}, postApply: () => {} };

async function planAgainst(desired: DesiredState, hv: FakeHypervisor) {
  return plan(desired, await observeHosts(desired, testEnv({ connect: () => hv, journal }), { ping: true }), { clock });
}

describe("drift: what changed outside frost", () => {
  it("is empty for a domain frost never recorded anything in", () => {
    const p = plan(new DesiredBuilder().adopt("d", true).build(), observedHost([shutoff("d", devices({}))]), { clock });
    expect(p.drift).toEqual([]);
    expect(p.changes).toHaveLength(1);
  });

  // Apply records what frost did; a channel then removed with virsh shows as drift (record -> now),
  // apart from the change that brings it back; applying that leaves neither.
  it("reports a channel removed behind frost's back apart from the change that restores it", async () => {
    const hv = new FakeHypervisor().withDomain({ name: "d", state: "shutoff", persistent: devices({}) });
    const desired = new DesiredBuilder().adopt("d", true).build();
    await applyPlan(await planAgainst(desired, hv), quiet, { env: testEnv({ connect: () => hv, journal, clock: clock }) });
    expect(hv.domain("d")?.record).toEqual({ agent: true });
    const converged = await planAgainst(desired, hv);
    expect([converged.changes, converged.drift]).toEqual([[], []]);

    await hv.detachAgentChannel("d", { live: false, config: true });
    const p = await planAgainst(desired, hv);
    expect(p.drift).toEqual([
      expect.objectContaining({
        address: "instance.d",
        before: { agentChannel: { persistent: true } },
        after: { agentChannel: { persistent: false } },
        reason: "the guest-agent channel was removed from the persistent definition",
        steps: [],
      }),
    ]);
    expect(p.changes.map((c) => c.steps[0]?.kind)).toEqual(["attach-agent-channel"]);
    const text = renderPlanText(p, false);
    expect(text).toContain(
      "Changed outside frost (frost's record -> now):\n  ~ instance.d: the guest-agent channel was removed from the persistent definition\n      agentChannel.persistent: true -> false",
    );
    expect(text.indexOf("Changed outside frost")).toBeLessThan(text.indexOf("~ instance.d: add"));

    await applyPlan(p, quiet, { env: testEnv({ connect: () => hv, journal, clock: clock }) });
    const after = await planAgainst(desired, hv);
    expect([after.changes, after.drift]).toEqual([[], []]);
  });

  it("reports memory and vcpus changed against the record of a domain frost created", async () => {
    const hv = new FakeHypervisor().withDomain({
      name: "d",
      state: "shutoff",
      persistent: devices({ controller: true, channel: true }),
      memory: 1024 ** 3,
      vcpus: 2,
      record: { agent: true, createdBy: "frost", memory: 512 * 1024 ** 2, vcpus: 1 },
    });
    const p = await planAgainst(new DesiredBuilder().adopt("d", true).build(), hv);
    expect(p.drift[0]?.reason).toBe("memory was changed from 512 MiB to 1 GiB; vcpus were changed from 1 to 2");
    expect(p.drift[0]?.before).toEqual({ memory: 512 * 1024 ** 2, vcpus: 1 });
  });

  it("a failed record write fails the change, and a re-run converges", async () => {
    const hv = new FakeHypervisor().withDomain({ name: "d", state: "shutoff", persistent: devices({}) });
    const desired = new DesiredBuilder().adopt("d", true).build();
    hv.failNext("record", "internal error: injected");
    const r = await applyPlan(await planAgainst(desired, hv), quiet, { env: testEnv({ connect: () => hv, journal, clock: clock }) });
    expect(r.failed).toBe(1);
    const again = await planAgainst(desired, hv);
    expect(again.drift).toEqual([]);
    // The channel is there but unrecorded: nothing to change, and nothing recorded yet to drift from.
    expect(again.changes).toEqual([]);
  });
});

describe("frost's record in libvirt XML", () => {
  it("reads memory, vcpus and the record by namespace, whatever its prefix", () => {
    const xml = `<domain type='qemu'><name>d</name><memory unit='KiB'>524288</memory><vcpu placement='static'>2</vcpu>
      <metadata><other:x xmlns:other="urn:other"/><f:record xmlns:f="${FROST_METADATA_NS}" version="1" agent="true" createdBy="frost" image="cirros" digest="sha256:ab" memory="536870912" vcpus="1"/></metadata></domain>`;
    expect(parseDomainDefinition(xml)).toEqual({
      memory: 512 * 1024 ** 2,
      vcpus: 2,
      record: { agent: true, createdBy: "frost", image: "cirros", digest: "sha256:ab", memory: 536870912, vcpus: 1 },
    });
  });

  it("ignores metadata in other namespaces and writes what it reads", () => {
    expect(parseDomainDefinition(`<domain><memory>1024</memory><metadata><x:r xmlns:x="urn:x" agent="true"/></metadata></domain>`)).toEqual(
      {
        memory: 1024 * 1024,
      },
    );
    const written = recordXml({ agent: false, image: "a&b" });
    expect(written).toBe(`<record version="1" agent="false" image="a&amp;b"/>`);
    const back = parseDomainDefinition(
      `<domain><metadata>${written.replace("<record", `<frost:record xmlns:frost="${FROST_METADATA_NS}"`)}</metadata></domain>`,
    );
    expect(back.record).toEqual({ agent: false, image: "a&b" });
  });
});
