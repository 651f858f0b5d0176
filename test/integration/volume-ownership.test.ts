import { execFile } from "node:child_process";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frost } from "../support/cli.js";
import { domainsNamed, domainXml, fileSha256, poolVolumes, virsh } from "../support/lab.js";

const run = promisify(execFile);
const GUEST = join(process.env["FROST_LAB_DIR"] ?? "/var/tmp/frost-lab", "guest");
const POOL = "t-vo-pool";
const POOL_PATH = "/var/tmp/frost-t-vo-pool";

const sha256 = fileSha256;
const volumes = () => poolVolumes(POOL);
const domains = () => domainsNamed("t-vo-");

async function cleanUp(): Promise<void> {
  for (const d of await domains()) {
    await virsh("destroy", d);
    await virsh("undefine", d, "--snapshots-metadata");
  }
  await virsh("pool-refresh", POOL); // snapshot overlays frost created are volumes only once refreshed
  for (const v of await volumes()) await virsh("vol-delete", "--pool", POOL, v);
  await virsh("pool-destroy", POOL);
  await virsh("pool-delete", POOL);
  await virsh("pool-undefine", POOL);
  await rm(POOL_PATH, { recursive: true, force: true });
  await run("bash", ["-c", `rm -f /var/log/libvirt/qemu/t-vo-*.log*`]);
}

/** Runs plain virsh and fails the test with its words when it fails. */
async function mustVirsh(...args: string[]): Promise<string> {
  const r = await virsh(...args);
  if (r.code !== 0) throw new Error(`virsh ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

// What operators do around the disks frost creates, on the real lab with the built binary: rename
// a domain frost created, define a domain from a copy of its XML, leave a create half-done. frost
// never deletes a disk a domain uses, nor one it cannot prove it created, and says why.
describe.sequential("frost never deletes a disk in use or one it did not create (real lab)", () => {
  let dir: string;
  let env: Record<string, string>;
  let config: string;
  let image: string;
  let hex: string;

  const declare = async (instances: { name: string; state: "running" | "stopped" }[]) => {
    const body = instances.map((i) => `  ${i.name}:\n    image: tiny\n    memory: 256MiB\n    state: ${i.state}\n`).join("");
    await writeFile(
      config,
      `host:
  uri: qemu:///system
  pool: ${POOL}
  poolPath: ${POOL_PATH}
  domainType: qemu
  owner: t-vo-test
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
  const plan = (...flags: string[]) => frost(["plan", "-c", config, "--detailed-exitcode", ...flags], { env });
  const apply = (...flags: string[]) => frost(["apply", "-c", config, "--auto-approve", ...flags], { env });
  const disk = (instance: string) => `${instance}-${hex}.qcow2`;

  beforeAll(async () => {
    await cleanUp();
    dir = await mkdtemp(join(tmpdir(), "frost-volume-ownership-"));
    env = { FROST_STATE_DIR: join(dir, "state") };
    config = join(dir, "frost.yaml");
    image = join(dir, "tiny.qcow2");
    await copyFile(join(GUEST, "sys.qcow2-template"), image);
    hex = (await sha256(image)).slice(0, 12);
  });

  afterAll(async () => {
    await cleanUp();
    await rm(dir, { recursive: true, force: true });
  });

  it("after virsh domrename of a domain frost created, a create of its old name is refused, naming it; its disk keeps its content", async () => {
    await declare([{ name: "t-vo-web", state: "running" }]);
    const created = await apply();
    expect(created.code, created.stdout + created.stderr).toBe(0);
    await mustVirsh("destroy", "t-vo-web");
    await mustVirsh("domrename", "t-vo-web", "t-vo-web-old");
    const before = await sha256(join(POOL_PATH, disk("t-vo-web")));

    const p = await plan();
    expect(p.code, p.stdout + p.stderr).toBe(1);
    const refusal = `instance t-vo-web: volume ${disk("t-vo-web")} in pool ${POOL} is the disk of domain t-vo-web-old (its disk vda); frost never deletes a disk in use: rename the instance, or remove t-vo-web-old and its disk`;
    expect(p.stdout + p.stderr).toContain(refusal);
    expect(p.stdout).toContain(
      "i instance.t-vo-web-old: frost created it as t-vo-web, and it was renamed outside frost (virsh domrename); frost does not manage it: it is released, never destroyed",
    );
    const a = await apply("--allow-destroy");
    expect(a.code, a.stdout + a.stderr).toBe(1);
    expect(a.stdout + a.stderr).toContain(refusal);

    expect(await domains()).toEqual(["t-vo-web-old"]);
    expect(await volumes()).toContain(disk("t-vo-web"));
    expect(await sha256(join(POOL_PATH, disk("t-vo-web")))).toBe(before);
    expect(await domainXml("t-vo-web-old", true)).toContain(`${POOL_PATH}/${disk("t-vo-web")}`);
  });

  it("a domain defined from a copy of frost's XML is never destroyed, and the disk it shares is never deleted, planned or applied", async () => {
    await declare([{ name: "t-vo-app", state: "stopped" }]);
    const created = await apply();
    expect(created.code, created.stdout + created.stderr).toBe(0);
    // Planned while nothing else uses the disk: the destroy removes it.
    await declare([]);
    const saved = join(dir, "destroy.plan");
    const out = await frost(["plan", "-c", config, "--out", saved], { env });
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(out.stdout).toContain(
      `- instance.t-vo-app: destroy: created by frost, no longer declared; removes its disk ${disk("t-vo-app")}`,
    );

    // The operator copies the domain: `virsh dumpxml`, another name, no uuid, `virsh define`.
    const xml = (await mustVirsh("dumpxml", "t-vo-app", "--inactive"))
      .replace("<name>t-vo-app</name>", "<name>t-vo-app-copy</name>")
      .replace(/\s*<uuid>[^<]*<\/uuid>/, "");
    await writeFile(join(dir, "copy.xml"), xml);
    await mustVirsh("define", join(dir, "copy.xml"));
    const before = await sha256(join(POOL_PATH, disk("t-vo-app")));

    const p = await plan();
    expect(p.code, p.stdout + p.stderr).toBe(2);
    expect(p.stdout).toContain(
      `- instance.t-vo-app: destroy: created by frost, no longer declared; keeps its disk ${disk("t-vo-app")}: domain t-vo-app-copy (its disk vda) uses it too`,
    );
    expect(p.stdout).not.toContain("- instance.t-vo-app-copy");
    expect(p.stdout).toMatch(/i instance\.t-vo-app-copy: it carries frost's record of t-vo-app, but it is not the domain frost defined/);

    // The plan saved before the copy still deletes the disk: apply checks again, and refuses.
    const a = await frost(["apply", saved, "--allow-destroy"], { env });
    expect(a.code, a.stdout + a.stderr).toBe(1);
    expect(a.stdout + a.stderr).toContain(
      `refusing to delete volume ${disk("t-vo-app")} in pool ${POOL}: domain t-vo-app-copy (its disk vda) uses it`,
    );
    expect(await domains()).toEqual(["t-vo-app-copy", "t-vo-web-old"]);
    expect(await sha256(join(POOL_PATH, disk("t-vo-app")))).toBe(before);

    const after = await plan();
    expect(after.code, after.stdout + after.stderr).toBe(0);
    const again = await apply("--allow-destroy");
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await domains()).toEqual(["t-vo-app-copy", "t-vo-web-old"]);
    expect(await sha256(join(POOL_PATH, disk("t-vo-app")))).toBe(before);
  });

  it("what a killed create left (the disk and frost's marker) is deleted as a change of its own, then the instance is created", async () => {
    // What a frost killed between creating the disk and defining the domain leaves.
    const imageVolume = (await volumes()).find((v) => v.startsWith("tiny-")) ?? "";
    expect(imageVolume).toBe(`tiny-${hex}.qcow2`);
    const left = disk("t-vo-left");
    await mustVirsh("vol-create-as", "--pool", POOL, "--name", `${left}.frost-creating`, "--capacity", "0", "--format", "raw");
    await mustVirsh(
      "vol-create-as",
      "--pool",
      POOL,
      "--name",
      left,
      "--capacity",
      "64M",
      "--format",
      "qcow2",
      "--backing-vol",
      imageVolume,
      "--backing-vol-format",
      "qcow2",
    );
    await declare([{ name: "t-vo-left", state: "stopped" }]);
    const p = await plan();
    expect(p.code, p.stdout + p.stderr).toBe(2);
    const lines = p.stdout.split("\n").map((l) => l.trim());
    const cleanup = lines.indexOf(`- volume.${left} in pool ${POOL} (left by a failed create of instance.t-vo-left; no domain uses it)`);
    const create = lines.findIndex((l) => l.startsWith("+ instance.t-vo-left: create from image.tiny"));
    expect(cleanup, p.stdout).toBeGreaterThanOrEqual(0);
    expect(create).toBeGreaterThan(cleanup);
    expect(p.stdout).toContain("Plan: 1 to add, 0 to change, 1 to destroy.");

    expect((await apply()).stderr).toContain(`it destroys volume.${left}: pass --allow-destroy`);
    const a = await apply("--allow-destroy");
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(await domains()).toContain("t-vo-left");
    expect(await domainXml("t-vo-left", true)).toContain(`${POOL_PATH}/${left}`);
    const now = await volumes();
    expect(now).toContain(left);
    expect(now.filter((v) => v.endsWith(".frost-creating"))).toEqual([]);
    expect((await plan()).code).toBe(0);
  });

  it("a destroy removes the disk frost created when only frost's own snapshots lie on top of it, running or shut off", async () => {
    await declare([
      { name: "t-vo-left", state: "stopped" },
      { name: "t-vo-snap", state: "running" },
    ]);
    const created = await apply();
    expect(created.code, created.stdout + created.stderr).toBe(0);
    for (const now of ["2026-11-25T10:00:00Z", "2026-11-25T10:05:00Z"]) {
      const s = await frost(["snapshot", "t-vo-snap", "-c", config, "--quiesce", "off"], { env: { ...env, FROST_NOW: now } });
      expect(s.code, s.stdout + s.stderr).toBe(0);
    }
    // The disk is now two overlays down.
    const top = /<source file='([^']+)'/.exec(await domainXml("t-vo-snap", true))?.[1];
    expect(top).toBe(`${POOL_PATH}/t-vo-snap-${hex}.ondemand-20261125T100500Z`);
    await declare([{ name: "t-vo-left", state: "stopped" }]);
    const destroy = `- instance.t-vo-snap: destroy: created by frost, no longer declared; removes its disk ${disk("t-vo-snap")}`;
    const running = await plan();
    expect(running.stdout).toContain(destroy);
    await mustVirsh("destroy", "t-vo-snap");
    const off = await plan();
    expect(off.stdout).toContain(destroy);
    const a = await apply("--allow-destroy");
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(await domains()).not.toContain("t-vo-snap");
    expect((await volumes()).filter((v) => v.startsWith("t-vo-snap"))).toEqual([]);
  });
});
