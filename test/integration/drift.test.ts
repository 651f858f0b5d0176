import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frost } from "../support/cli.js";
import { domainXml, hasAgentChannel, lab, virsh } from "../support/lab.js";

// frost records what it applied in the domain's <metadata>; a channel then removed with plain virsh
// shows in the next plan as changed outside frost, apart from the change that brings it back.
describe("drift on the real lab", () => {
  let dir: string;
  let env: Record<string, string>;
  let config: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "frost-drift-"));
    env = { FROST_STATE_DIR: join(dir, "state") };
    config = join(dir, "frost.yaml");
    await writeFile(
      config,
      "host:\n  uri: qemu:///system\n  apparmor: { manage: false }\ninstances:\n  t-idrift:\n    adopt: true\n    agent: true\n",
    );
    await lab("define", "t-idrift", "bare");
  });

  afterAll(async () => {
    await lab("undefine", "t-idrift");
    await rm(dir, { recursive: true, force: true });
  });

  it("records the applied channel, then reports its removal outside frost as drift", async () => {
    const applied = await frost(["apply", "-c", config, "--auto-approve"], { env });
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(await domainXml("t-idrift", true)).toContain("https://frost.invalid/xmlns/frost/1");
    const clean = await frost(["plan", "-c", config, "--detailed-exitcode"], { env });
    expect(clean.code, clean.stdout).toBe(0);
    expect(clean.stdout).not.toContain("Changed outside frost");

    await writeFile(join(dir, "chan.xml"), "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>");
    const r = await virsh("detach-device", "t-idrift", join(dir, "chan.xml"), "--config");
    expect(r.code, r.stderr).toBe(0);
    expect(await hasAgentChannel("t-idrift", true)).toBe(false);

    const drifted = await frost(["plan", "-c", config, "--detailed-exitcode"], { env });
    expect(drifted.code).toBe(2);
    expect(drifted.stdout).toContain(
      "Changed outside frost (frost's record -> now):\n  ~ instance.t-idrift: the guest-agent channel was removed from the persistent definition\n      agentChannel.persistent: true -> false",
    );
    expect(drifted.stdout).toContain("~ instance.t-idrift: add the guest-agent channel (domain is shut off)");

    const json = await frost(["plan", "-c", config, "--json"], { env });
    const events = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; change?: { address: string } });
    expect(events.filter((e) => e.type === "resource_drift").map((e) => e.change?.address)).toEqual(["instance.t-idrift"]);

    const again = await frost(["apply", "-c", config, "--auto-approve"], { env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const after = await frost(["plan", "-c", config, "--detailed-exitcode"], { env });
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).not.toContain("Changed outside frost");
  });
});
