import { execFile } from "node:child_process";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frost } from "../support/cli.js";
import { domainsNamed, fileSha256, poolVolumes, virsh, waitForPing } from "../support/lab.js";

const run = promisify(execFile);
const GUEST = join(process.env["FROST_LAB_DIR"] ?? "/var/tmp/frost-lab", "guest");
const POOL = "t-i-pool";
const POOL_PATH = "/var/tmp/frost-t-i-pool";

interface Declared {
  name: string;
  memory?: string;
  vcpus?: number;
}

const sha256 = fileSha256;
const volumes = () => poolVolumes(POOL);
const domains = () => domainsNamed("t-iweb");

async function cleanUp(): Promise<void> {
  for (const d of await domains()) {
    await virsh("destroy", d);
    await virsh("undefine", d, "--snapshots-metadata");
  }
  for (const v of await volumes()) await virsh("vol-delete", "--pool", POOL, v);
  await virsh("pool-destroy", POOL);
  await virsh("pool-delete", POOL);
  await virsh("pool-undefine", POOL);
  await run("bash", ["-c", `rm -f /var/log/libvirt/qemu/t-iweb*.log*`]);
}

// Instances created from an image on the real lab, end to end with the built binary: they boot
// and their agents answer; memory is changed in place, an image change replaces (only with
// --allow-replace), a removed instance is destroyed (only with --allow-destroy) with its own disk
// and never the image; a create that fails halfway converges on the next run, leaking nothing.
describe.sequential("images and instances on the real lab", () => {
  let dir: string;
  let env: Record<string, string>;
  let config: string;
  let image: string;

  const declare = async (instances: Declared[]) => {
    const body = instances
      .map((i) => `  ${i.name}:\n    image: tiny\n    memory: ${i.memory ?? "384MiB"}\n    vcpus: ${i.vcpus ?? 1}\n    state: running\n`)
      .join("");
    await writeFile(
      config,
      `host:
  uri: qemu:///system
  pool: ${POOL}
  poolPath: ${POOL_PATH}
  domainType: qemu
  owner: t-iweb-test
  apparmor: { manage: false }
images:
  tiny:
    source: ./tiny.qcow2
    format: qcow2
    kernel: ${GUEST}/vmlinuz
    initrd: ${GUEST}/initrd.img
    cmdline: console=ttyS0 quiet panic=-1
    properties: { hw_qemu_guest_agent: yes }
instances:${instances.length === 0 ? " {}" : ""}
${body}`,
    );
  };
  const plan = () => frost(["plan", "-c", config, "--detailed-exitcode"], { env });
  const apply = (...flags: string[]) => frost(["apply", "-c", config, "--auto-approve", ...flags], { env });

  beforeAll(async () => {
    await cleanUp();
    dir = await mkdtemp(join(tmpdir(), "frost-instances-"));
    env = { FROST_STATE_DIR: join(dir, "state") };
    config = join(dir, "frost.yaml");
    image = join(dir, "tiny.qcow2");
    await copyFile(join(GUEST, "sys.qcow2-template"), image);
  });

  afterAll(async () => {
    await cleanUp();
    await rm(dir, { recursive: true, force: true });
  });

  let imageVolume: string;
  let imageDigest: string;

  it("creates the pool, the image volume and two instances that boot and answer guest-ping", async () => {
    await declare([{ name: "t-iweb1" }, { name: "t-iweb2" }]);
    const p = await plan();
    expect(p.code, p.stdout + p.stderr).toBe(2);
    expect(p.stdout).toContain(`+ pool.${POOL}: directory pool at ${POOL_PATH}`);
    expect(p.stdout).toMatch(/\+ image\.tiny \(sha256:[0-9a-f]{4}…, [\d.]+ (KiB|MiB)\)/);
    expect(p.stdout).toMatch(/\+ instance\.t-iweb1: create from image\.tiny/);
    expect(p.stdout).toContain("Plan: 4 to add, 0 to change, 0 to destroy.");
    const a = await apply();
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(await waitForPing("t-iweb1", 90_000)).toBe(true);
    expect(await waitForPing("t-iweb2", 90_000)).toBe(true);
    const again = await plan();
    expect(again.code, again.stdout).toBe(0);
    imageVolume = (await volumes()).find((v) => v.startsWith("tiny-")) ?? "";
    expect(imageVolume).toBe(`tiny-${(await sha256(image)).slice(0, 12)}.qcow2`);
    imageDigest = await sha256(join(POOL_PATH, imageVolume));
  });

  it("changes memory in the persistent definition (~), saying a restart is needed", async () => {
    await declare([{ name: "t-iweb1", memory: "512MiB" }, { name: "t-iweb2" }]);
    const p = await plan();
    expect(p.stdout).toContain("~ instance.t-iweb1: change memory 384 MiB -> 512 MiB (persistent definition)");
    expect(p.stdout).toContain("! restart needed");
    expect((await apply()).code).toBe(0);
    expect((await virsh("dumpxml", "t-iweb1", "--inactive")).stdout).toContain("<memory unit='KiB'>524288</memory>");
    expect((await plan()).code).toBe(0);
  });

  it("replaces (-/+) on an image change only with --allow-replace, and never writes the old image", async () => {
    await run("qemu-img", ["resize", "-q", image, "+1M"]);
    const p = await plan();
    expect(p.stdout).toMatch(/-\/\+ instance\.t-iweb1: replace: the image changed/);
    const uuid = (await virsh("domuuid", "t-iweb1")).stdout;
    const refused = await apply();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--allow-replace");
    expect((await virsh("domuuid", "t-iweb1")).stdout).toBe(uuid);
    const a = await apply("--allow-replace");
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect((await virsh("domuuid", "t-iweb1")).stdout).not.toBe(uuid);
    expect(await waitForPing("t-iweb1", 90_000)).toBe(true);
    expect((await plan()).code).toBe(0);
    expect(await sha256(join(POOL_PATH, imageVolume))).toBe(imageDigest);
  });

  it("destroys a removed instance only with --allow-destroy: its domain and disk go, the image stays as it was", async () => {
    await declare([{ name: "t-iweb1", memory: "512MiB" }]);
    const p = await plan();
    expect(p.stdout).toMatch(
      /- instance\.t-iweb2: destroy: created by frost, no longer declared; removes its disk t-iweb2-[0-9a-f]{12}\.qcow2/,
    );
    const refused = await apply();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--allow-destroy");
    expect(await domains()).toEqual(["t-iweb1", "t-iweb2"]);
    // Through a saved plan: it records the domain it destroys, and the flag is asked for again.
    const saved = join(dir, "destroy.plan");
    expect((await frost(["plan", "-c", config, "--out", saved], { env })).code).toBe(0);
    const refusedSaved = await frost(["apply", saved], { env });
    expect(refusedSaved.code).toBe(1);
    expect(refusedSaved.stderr).toContain("--allow-destroy");
    const a = await frost(["apply", saved, "--allow-destroy"], { env });
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(await domains()).toEqual(["t-iweb1"]);
    expect((await volumes()).filter((v) => v.startsWith("t-iweb2"))).toEqual([]);
    expect(await sha256(join(POOL_PATH, imageVolume))).toBe(imageDigest);
    expect((await plan()).code).toBe(0);
  });

  it("a create that fails halfway (the define refused), then a re-run, converges with nothing leaked", async () => {
    const before = await volumes();
    await declare([
      { name: "t-iweb1", memory: "512MiB" },
      { name: "t-iweb3", vcpus: 1000 },
    ]);
    const failed = await apply();
    expect(failed.code).toBe(1);
    expect(failed.stdout + failed.stderr).toContain("Maximum CPUs greater than specified machine type limit");
    expect(await domains()).toEqual(["t-iweb1"]);
    await declare([{ name: "t-iweb1", memory: "512MiB" }, { name: "t-iweb3" }]);
    // The disk the failed create left is frost's to delete (its marker proves it), with the operator's yes.
    const refused = await apply();
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /- volume\.t-iweb3-[0-9a-f]{12}\.qcow2 in pool \S+ \(left by a failed create of instance\.t-iweb3; no domain uses it\)/,
    );
    expect(refused.stderr).toMatch(/it destroys volume\.t-iweb3-[0-9a-f]{12}\.qcow2: pass --allow-destroy/);
    const a = await apply("--allow-destroy");
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(await domains()).toEqual(["t-iweb1", "t-iweb3"]);
    expect((await plan()).code).toBe(0);
    expect((await volumes()).filter((v) => !before.includes(v))).toEqual([expect.stringMatching(/^t-iweb3-[0-9a-f]{12}\.qcow2$/)]);
  });
});
