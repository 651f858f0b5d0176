import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frost } from "../support/cli.js";
import { lab, snapshotNames, virsh } from "../support/lab.js";

// An operator's snapshots with names libvirt accepts and virsh's command language cannot carry
// (a quote), or that a line-by-line reading would split (spaces), beside frost's on the same
// domain, and a domain whose name has a quote on the same host. frost plans, snapshots and prunes
// as usual; plain virsh shows every operator snapshot untouched afterwards.
const A = "t-nm-a";
const B = "t-nm-b";
const ODD_DOMAIN = "t-nm-it's";
const OPERATOR = ["bob's-20261124T0200Z", "a b Zoë-ß", 'say "hi"', "nightly-20261125T0200Z"];

let dir: string;
let env: Record<string, string>;
let cfg: string;
const at = (now: string) => ({ env: { ...env, FROST_NOW: now } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "frost-names-"));
  env = { FROST_STATE_DIR: join(dir, "state") };
  await Promise.all([lab("define", A, "channel", "--start", "--wait-agent"), lab("define", B, "channel", "--start", "--wait-agent")]);
  const xml = join(dir, "odd.xml");
  await writeFile(
    xml,
    `<domain type='qemu'><name>t-nm-it&apos;s</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>` +
      `<os><type arch='x86_64' machine='q35'>hvm</type></os></domain>\n`,
  );
  const defined = await virsh("define", xml);
  if (defined.code !== 0) throw new Error(`virsh define ${ODD_DOMAIN} failed: ${defined.stderr}`);
  // What an operator does: snapshots by hand, one of them with the very name frost's schedule gives this tick.
  for (const name of OPERATOR) {
    const r = await virsh("snapshot-create-as", "--domain", A, "--name", name, "--disk-only", "--atomic");
    if (r.code !== 0) throw new Error(`snapshot-create-as ${A} ${name} failed: ${r.stderr}`);
  }
  cfg = join(dir, "frost.yaml");
  await writeFile(
    cfg,
    `host:\n  uri: qemu:///system\ninstances:\n` +
      `  ${A}:\n    adopt: true\n    quiesce: required\n  ${B}:\n    adopt: true\n    quiesce: required\n` +
      `schedules:\n  nightly:\n    instances: [${A}, ${B}]\n    cron: "0 2 * * *"\n    keep: { last: 1 }\n`,
  );
});

afterAll(async () => {
  await virsh("undefine", ODD_DOMAIN);
  await Promise.all([lab("undefine", A), lab("undefine", B)]);
  await rm(dir, { recursive: true, force: true });
});

describe("snapshots frost did not take, whatever their names", () => {
  it("plans both domains, and names the due snapshot around the operator's of the same name", async () => {
    const r = await frost(["plan", "-c", cfg, "--detailed-exitcode"], at("2026-11-25T02:30:00Z"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain("unreachable");
    expect(r.stdout).toContain(`+ snapshot instance.${A} @nightly (due since 2026-11-25 02:00 UTC; quiesce required)`);
    expect(r.stdout).toContain(
      "! nightly-20261125T0200Z is taken by another snapshot of this domain; this one is named nightly-20261125T0200Z-2",
    );
    expect(r.stdout).toContain(`+ snapshot instance.${B} @nightly (due since 2026-11-25 02:00 UTC; quiesce required)`);
  });

  it("takes the scheduled snapshots, then on-demand ones twice in one second, each under a free name", async () => {
    const apply = await frost(["apply", "-c", cfg, "--auto-approve"], at("2026-11-25T02:30:00Z"));
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/nightly-20261125T0200Z-2: filesystem-consistent/);
    expect(apply.stdout).toMatch(/nightly-20261125T0200Z: filesystem-consistent/);
    for (const name of ["ondemand-20261125T023000Z", "ondemand-20261125T023000Z-2"]) {
      const r = await frost(["snapshot", A, "-c", cfg], at("2026-11-25T02:30:00Z"));
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`${name}: filesystem-consistent`);
    }
    expect(await snapshotNames(A)).toEqual(
      expect.arrayContaining([...OPERATOR, "nightly-20261125T0200Z-2", "ondemand-20261125T023000Z", "ondemand-20261125T023000Z-2"]),
    );
    expect(await snapshotNames(B)).toEqual(["nightly-20261125T0200Z"]);
    // The counted snapshot stands for its tick: nothing is due until the next one.
    expect((await frost(["plan", "-c", cfg, "--detailed-exitcode"], at("2026-11-25T23:59:00Z"))).code).toBe(0);
  });

  it("lists the operator's snapshots by name in frost status", async () => {
    const r = await frost(["status", "-c", cfg, "--json"], at("2026-11-25T23:59:00Z"));
    const report = JSON.parse(r.stdout) as { instances: { instance: string; snapshots: number; foreignSnapshots: string[] }[] };
    expect(report.instances.find((i) => i.instance === A)).toMatchObject({ snapshots: 3, foreignSnapshots: OPERATOR });
    expect(report.instances.find((i) => i.instance === B)).toMatchObject({ snapshots: 1, foreignSnapshots: [] });
  });

  it("prunes by retention on the next tick, only frost's, and leaves every operator snapshot as it was", async () => {
    const apply = await frost(["apply", "-c", cfg, "--auto-approve"], at("2026-11-26T02:30:00Z"));
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain(`- snapshot instance.${A} nightly-20261125T0200Z-2 (retention: not kept by last=1)`);
    expect(apply.stdout).toContain(`- snapshot instance.${B} nightly-20261125T0200Z (retention: not kept by last=1)`);
    const names = await snapshotNames(A);
    expect(names).toEqual(expect.arrayContaining([...OPERATOR, "nightly-20261126T0200Z"]));
    expect(names).not.toContain("nightly-20261125T0200Z-2");
    for (const name of OPERATOR) {
      const xml = await virsh("snapshot-dumpxml", "--domain", A, "--snapshotname", name);
      expect(xml.code).toBe(0);
      expect(xml.stdout).not.toContain("frost:v1");
    }
    expect(await snapshotNames(B)).toEqual(["nightly-20261126T0200Z"]);
    expect((await frost(["plan", "-c", cfg, "--detailed-exitcode"], at("2026-11-26T02:30:00Z"))).code).toBe(0);
  });
});
