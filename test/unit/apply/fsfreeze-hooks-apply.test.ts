import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyPlan, type ChangeOutcome } from "../../../reconcile/apply.js";
import { fixedClock } from "../../../reconcile/clock.js";
import type { DesiredState } from "../../../reconcile/config/types.js";
import { FakeHypervisor, labGuest } from "../../support/fake-libvirt/fake-hypervisor.js";
import { FSFREEZE_HOOK_DIR } from "../../../reconcile/providers/libvirt/hypervisor.js";
import { observeHosts } from "../../../reconcile/observe.js";
import { plan } from "../../../reconcile/plan/plan.js";
import { FreezeJournal } from "../../../reconcile/snapshots/freeze-journal.js";
import { DesiredBuilder, devices } from "../../support/builders.js";
import { testEnv } from "../../support/env.js";

const clock = fixedClock("2026-11-25T12:00:00Z");
const journal = new FreezeJournal(mkdtempSync(join(tmpdir(), "frost-journal-")));
const quiet = { preApply: () => {}, postApply: () => {} };

function setup(blocked: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), "frost-hooks-"));
  const script = join(dir, "flush.sh");
  writeFileSync(script, "#!/bin/sh\necho $1 >>/run/marker\n");
  const channel = devices({ controller: true, channel: true });
  const guest = { ...labGuest(), blocked };
  const hv = new FakeHypervisor().withDomain({
    name: "db1",
    state: "running",
    live: { ...channel, agentChannel: { alias: "channel0" } },
    persistent: channel,
    guest,
  });
  const desired: DesiredState = new DesiredBuilder()
    .adopt("db1", true, { fsfreezeHooks: { "10-flush": script } })
    .schedule("hourly", ["db1"], { cron: "0 * * * *" })
    .build();
  const planNow = async () =>
    plan(desired, await observeHosts(desired, testEnv({ connect: () => hv, journal }), { ping: true }), { clock });
  return { hv, script, planNow };
}

describe("applying fsfreeze hooks", () => {
  it("installs the hook before the snapshot of the same apply; the next plan has nothing to do for it", async () => {
    const { hv, planNow } = setup();
    const p = await planNow();
    const result = await applyPlan(p, quiet, { env: testEnv({ connect: () => hv, journal, clock: clock }) });
    expect(result.failed).toBe(0);
    expect(hv.calls.filter((c) => !c.startsWith("ping") && !c.startsWith("close") && !c.startsWith("record"))).toEqual([
      "install-hook db1 10-flush +chmod",
      "open db1",
      "prepare db1 hourly-20261125T1200Z",
      "freeze db1",
      "snapshot db1 hourly-20261125T1200Z",
      "thaw db1",
    ]);
    const file = hv.domain("db1")?.guest?.files[`${FSFREEZE_HOOK_DIR}/10-flush`];
    expect(file?.mode).toBe(0o755);
    expect(new TextDecoder().decode(file?.content)).toContain("/run/marker");
    const outcome = result.outcomes[0]?.outcome as Extract<ChangeOutcome, { status: "done" }>;
    expect(outcome.detail).toMatch(/^installed \/etc\/qemu\/fsfreeze-hook\.d\/10-flush \(sha256 [0-9a-f]{12}…, executable\)$/);
    expect((await planNow()).changes.filter((c) => c.steps.some((s) => s.kind === "install-fsfreeze-hook"))).toEqual([]);
  });

  it("refuses a local script changed since the plan, and skips the instance's snapshot after it", async () => {
    const { hv, script, planNow } = setup();
    const p = await planNow();
    writeFileSync(script, "#!/bin/sh\necho changed\n");
    const result = await applyPlan(p, quiet, { env: testEnv({ connect: () => hv, journal, clock: clock }) });
    const [hook, snapshot] = result.outcomes.map((o) => o.outcome);
    expect(hook).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/flush\.sh changed since the plan .*run frost plan again/),
    });
    expect(snapshot?.status).toBe("skipped");
    expect(hv.domain("db1")?.guest?.files[`${FSFREEZE_HOOK_DIR}/10-flush`]).toBeUndefined();
  });

  it("without guest-exec: written by the file commands, not executable, and the apply says so", async () => {
    const { hv, planNow } = setup(["guest-exec"]);
    const p = await planNow();
    const result = await applyPlan(p, quiet, { env: testEnv({ connect: () => hv, journal, clock: clock }) });
    const outcome = result.outcomes[0]?.outcome as Extract<ChangeOutcome, { status: "done" }>;
    expect(outcome.warnings.join("\n")).toMatch(/not made executable: the guest agent forbids guest-exec/);
    const file = hv.domain("db1")?.guest?.files[`${FSFREEZE_HOOK_DIR}/10-flush`];
    expect(file?.mode).toBe(0o666);
    const digest = createHash("sha256")
      .update(new Uint8Array(file?.content ?? []))
      .digest("hex");
    expect(outcome.detail).toContain(digest.slice(0, 12));
  });

  it("a guest that started forbidding file writes after the plan fails the change with qemu-ga's words", async () => {
    const { hv, planNow } = setup();
    const p = await planNow();
    const guest = hv.domain("db1")?.guest;
    if (guest) guest.blocked = ["guest-file-write"];
    const result = await applyPlan(p, quiet, { env: testEnv({ connect: () => hv, journal, clock: clock }) });
    expect(result.outcomes[0]?.outcome).toMatchObject({
      status: "failed",
      error:
        "cannot install fsfreeze hook 10-flush into /etc/qemu/fsfreeze-hook.d/10-flush: internal error: unable to execute QEMU agent command 'guest-file-write': Command guest-file-write has been disabled",
    });
  });
});
