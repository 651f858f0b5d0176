import { copyFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { frost } from "../support/cli.js";
import { lab } from "../support/lab.js";

// The AppArmor rule through the built binary, on a copy of this host's real libvirt abstraction
// (FROST_HOST_ROOT points frost at a temporary tree), checked by the real apparmor_parser.
let root: string;
let cfg: string;
let env: Record<string, string>;
const abstraction = () => join(root, "etc/apparmor.d/abstractions/libvirt-qemu");

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "frost-aa-"));
  await mkdir(join(root, "etc/apparmor.d/abstractions"), { recursive: true });
  await copyFile("/etc/apparmor.d/abstractions/libvirt-qemu", abstraction());
  cfg = join(root, "frost.yaml");
  await writeFile(cfg, "host:\n  uri: qemu:///system\n  apparmor:\n    manage: true\ninstances:\n  demo-off:\n    adopt: true\n");
  env = { FROST_HOST_ROOT: root, FROST_STATE_DIR: join(root, "state") };
  await lab("reset");
});

describe("the AppArmor rule for the agent sockets", () => {
  it("plans the rule, says it is not enforced here, writes it in frost's block, and then plans nothing", async () => {
    const original = await readFile(abstraction(), "utf8");
    const p = await frost(["plan", "-c", cfg, "--detailed-exitcode"], { env });
    expect(p.code).toBe(2);
    expect(p.stdout).toContain('+ apparmor rule "/var/lib/libvirt/qemu/*.sock rw," in abstractions/libvirt-qemu');
    expect(p.stdout).toMatch(/not enforced/);

    const a = await frost(["apply", "-c", cfg, "--auto-approve"], { env });
    expect(a.code).toBe(0);
    const written = await readFile(abstraction(), "utf8");
    expect(written.startsWith(original)).toBe(true);
    expect(written.slice(original.length)).toMatch(
      /# BEGIN frost managed rules.*\n {2}\/var\/lib\/libvirt\/qemu\/\*\.sock rw,\n# END frost managed rules\n$/s,
    );
    expect((await frost(["plan", "-c", cfg, "--detailed-exitcode"], { env })).code).toBe(0);
  });

  it("rejects a rule the real apparmor_parser rejects, at plan time, and writes nothing", async () => {
    const bad = join(root, "bad.yaml");
    await writeFile(
      bad,
      'host:\n  uri: qemu:///system\n  apparmor:\n    manage: true\n    rules: ["/var/lib/libvirt/qemu/*.sock rwq,"]\ninstances:\n  demo-off:\n    adopt: true\n',
    );
    const before = await readFile(abstraction(), "utf8");
    const r = await frost(["apply", "-c", bad, "--auto-approve"], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error: .*rwq/);
    expect(await readFile(abstraction(), "utf8")).toBe(before);
  });
});
