import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frost, startFrost } from "../support/cli.js";
import { freezeStatus, waitUntilFrozen, hasAgentChannel, lab, ROOT, virsh } from "../support/lab.js";

// Saved plans and the host lock on the real lab (guarantees 5 and 6).
let dir: string;
let env: Record<string, string>;

async function config(name: string, yaml: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `host:\n  uri: qemu:///system\n${yaml}`);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "frost-gitops-"));
  env = { FROST_STATE_DIR: join(dir, "state") };
  await Promise.all([lab("define", "t-gp1", "controller", "--start"), lab("define", "t-gp2", "channel", "--start", "--wait-agent")]);
});

afterAll(async () => {
  await Promise.all([lab("undefine", "t-gp1"), lab("undefine", "t-gp2")]);
});

describe("saved plans", () => {
  it("applies exactly the saved plan, without prompting, when nothing changed", async () => {
    const cfg = await config("a.yaml", "instances:\n  t-gp1:\n    adopt: true\n    agent: true\n");
    const planFile = join(dir, "a.plan");
    const p = await frost(["plan", "-c", cfg, "--out", planFile], { env });
    expect(p.code).toBe(0);
    expect(p.stderr).toContain(`Saved the plan to ${planFile}`);
    const shown = await frost(["show", planFile], { env });
    expect(shown.stdout).toContain("~ instance.t-gp1: add the guest-agent channel (hot-plug and persistent definition)");
    const r = await frost(["apply", planFile], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Apply complete: 1 applied.");
    expect(await hasAgentChannel("t-gp1")).toBe(true);
  });

  it("refuses a saved plan after the host changed outside frost, saying what changed, and changes nothing", async () => {
    const cfg = await config("b.yaml", "instances:\n  t-gp2:\n    adopt: true\n    agent: false\n");
    const planFile = join(dir, "b.plan");
    expect((await frost(["plan", "-c", cfg, "--out", planFile], { env })).code).toBe(0);
    // Someone removes the channel by hand (libvirt's alias for it is channel0).
    expect((await virsh("detach-device-alias", "t-gp2", "channel0", "--live")).code).toBe(0);
    const deadline = Date.now() + 15_000;
    while ((await hasAgentChannel("t-gp2")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const r = await frost(["apply", planFile], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /The host changed since this plan was made: t-gp2 on default: liveChannel was true, is now false.*run frost plan again/,
    );
    expect(await hasAgentChannel("t-gp2", true)).toBe(true);
  });

  it("rejects a file that is not a plan", async () => {
    const bogus = join(dir, "bogus.plan");
    await writeFile(bogus, "{}");
    const r = await frost(["apply", bogus], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is not a frost plan file");
  });
});

describe("the host lock", () => {
  it("makes a second run fail at once naming the holder, while the first still works", async () => {
    const cfg = await config("lock.yaml", "instances:\n  t-gp2:\n    adopt: true\n    quiesce: preferred\n");
    await lab("define", "t-gp2", "channel", "--start", "--wait-agent");
    const first = startFrost(["snapshot", "t-gp2", "-c", cfg], { ...env, FROST_TEST_HOLD_FROZEN_MS: "4000" });
    expect(await waitUntilFrozen("t-gp2")).toBe(true);
    const second = await frost(["apply", "-c", cfg, "--auto-approve"], { env });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      /host qemu:\/\/\/system is locked by frost pid \d+ on .* \(frost snapshot t-gp2 -c .*lock\.yaml\), since .*, lock ID [0-9a-f]+/,
    );
    expect(await first.exited).toBe(0);
    expect(await freezeStatus("t-gp2")).toBe("thawed");
    // Once the first is done, the lock is gone.
    expect((await frost(["apply", "-c", cfg, "--auto-approve"], { env })).code).toBe(0);
  });

  it("lets a read-only plan run while the host is locked", async () => {
    const cfg = await config("ro.yaml", "instances:\n  t-gp2:\n    adopt: true\n    quiesce: preferred\n");
    const first = startFrost(["snapshot", "t-gp2", "-c", cfg], {
      ...env,
      FROST_TEST_HOLD_FROZEN_MS: "3000",
      FROST_NOW: "2026-11-25T11:00:00Z",
    });
    expect(await waitUntilFrozen("t-gp2")).toBe(true);
    const p = await frost(["plan", "-c", cfg], { env });
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/frozen by frost pid \d+/);
    expect(await first.exited).toBe(0);
  });
});

void ROOT;
