import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frost } from "../support/cli.js";
import { lab, virsh } from "../support/lab.js";

const DOMAINS = ["t-imp-chan", "t-imp-bare", "t-imp-mixed"];

// frost import against domains frost never saw: the YAML it writes, planned right after, gives no
// change, and importing into an existing configuration leaves out what it already declares.
describe("frost import on the real lab", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "frost-import-"));
    await lab("define", "t-imp-chan", "channel", "--start");
    await lab("define", "t-imp-bare", "bare");
    // A running domain whose channel is only in its persistent definition, though it could take it live.
    await lab("define", "t-imp-mixed", "controller", "--start");
    await writeFile(join(dir, "chan.xml"), "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>");
    const r = await virsh("attach-device", "t-imp-mixed", join(dir, "chan.xml"), "--config");
    expect(r.code, r.stderr).toBe(0);
  });

  afterAll(async () => {
    for (const d of DOMAINS) await lab("undefine", d);
    await rm(dir, { recursive: true, force: true });
  });

  it("writes YAML that adopts the domains with their agent state, and a plan after it shows no changes", async () => {
    const out = join(dir, "frost.yaml");
    const r = await frost(["import", "-o", out, ...DOMAINS]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("Imported 3 domain(s) from qemu:///system");
    const yaml = await readFile(out, "utf8");
    expect(yaml).toMatch(/t-imp-chan:\n\s+adopt: true\n\s+agent: true/);
    expect(yaml).toMatch(/t-imp-bare:\n\s+adopt: true\n\s+agent: false/);
    expect(yaml).toMatch(/t-imp-mixed:\n\s+adopt: true\n(?!\s+agent)/);

    const plan = await frost(["plan", "-c", out, "--detailed-exitcode"]);
    expect(plan.stdout).toContain("No changes.");
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);

    const again = await frost(["import", "-o", out, ...DOMAINS]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("never overwrites");
  });

  it("with -c, leaves out what the configuration declares, and the merged directory plans no changes", async () => {
    const conf = join(dir, "conf");
    await mkdir(conf);
    await writeFile(join(conf, "a.yaml"), "host:\n  uri: qemu:///system\ninstances:\n  t-imp-bare:\n    adopt: true\n    agent: false\n");
    const r = await frost(["import", "-c", conf, "-o", join(conf, "b.yaml"), ...DOMAINS]);
    expect(r.code, r.stderr).toBe(0);
    const yaml = await readFile(join(conf, "b.yaml"), "utf8");
    expect(yaml).not.toContain("host:");
    expect(yaml).toContain("not imported: t-imp-bare: already declared in the configuration");
    const plan = await frost(["plan", "-c", conf, "--detailed-exitcode"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);

    const missing = await frost(["import", "t-imp-nosuch"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no domain named t-imp-nosuch");
  });
});
