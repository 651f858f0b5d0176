import { createHash } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frost, startFrost } from "../support/cli.js";
import {
  freezeStatus,
  waitUntilFrozen,
  guestShell,
  hookLines,
  lab,
  readGuestFile,
  snapshotNames,
  virsh,
  waitForPing,
} from "../support/lab.js";

// Consistent snapshots on the real lab: real libvirt, QEMU and qemu-ga, the guest's own fsfreeze
// hook as the witness, and plain virsh as the independent client.
let dir: string;
let env: Record<string, string>;

async function config(name: string, yaml: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `host:\n  uri: qemu:///system\n${yaml}`);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "frost-snap-"));
  env = { FROST_STATE_DIR: join(dir, "state") };
  await Promise.all([
    lab("define", "t-snap", "channel", "--start", "--wait-agent", "--backing"),
    lab("define", "t-noagent2", "channel", "--start", "--no-agent"),
  ]);
});

afterAll(async () => {
  await Promise.all([lab("undefine", "t-snap"), lab("undefine", "t-noagent2")]);
});

describe("on-demand snapshots", () => {
  it("freezes the guest for the cut, runs its fsfreeze hooks, thaws, and records a filesystem-consistent snapshot", async () => {
    const cfg = await config("one.yaml", "instances:\n  t-snap:\n    adopt: true\n    quiesce: required\n");
    const before = await readGuestFile("t-snap", "/run/fsfreeze-hook.log").catch(() => "");
    const r = await frost(["snapshot", "t-snap", "-c", cfg], { env: { ...env, FROST_NOW: "2026-11-25T10:00:00Z" } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ondemand-20261125T100000Z: filesystem-consistent, 2 filesystem\(s\) frozen for \d+ ms/);
    // The guest's own hook saw exactly one freeze, then one thaw.
    const after = await readGuestFile("t-snap", "/run/fsfreeze-hook.log");
    expect(hookLines(after.slice(before.length))).toEqual(["frozen", "thawed"]);
    expect(await freezeStatus("t-snap")).toBe("thawed");
    const xml = (await virsh("snapshot-dumpxml", "t-snap", "ondemand-20261125T100000Z")).stdout;
    expect(xml).toContain("frost:v1 {");
    expect(xml).toContain("&quot;consistency&quot;:&quot;filesystem&quot;");
    expect(xml).toMatch(/&quot;freezeWindowMs&quot;:\d+/);
  });

  it("never overwrites a file where it would put an overlay (a leftover of a killed run), and still takes the snapshot", async () => {
    const cfg = await config("left.yaml", "instances:\n  t-snap:\n    adopt: true\n    quiesce: required\n");
    const leftover = "/var/tmp/frost-lab/domains/t-snap/sys.ondemand-20261125T100030Z";
    await writeFile(leftover, "left by a killed run");
    const r = await frost(["snapshot", "t-snap", "-c", cfg], { env: { ...env, FROST_NOW: "2026-11-25T10:00:30Z" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ondemand-20261125T100030Z: filesystem-consistent");
    expect(await readFile(leftover, "utf8")).toBe("left by a killed run");
    // The overlay went next to it, under the next free name.
    expect((await virsh("domblklist", "t-snap")).stdout).toContain(`${leftover}.2`);
  });

  it("with the agent not running: required fails with no snapshot and exit 1; preferred takes a crash-consistent one", async () => {
    const required = await config("req.yaml", "instances:\n  t-noagent2:\n    adopt: true\n    quiesce: required\n");
    const r = await frost(["snapshot", "t-noagent2", "-c", required], { env: { ...env, FROST_NOW: "2026-11-25T10:01:00Z" } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/quiesce is required and the guest agent is not connected.*no snapshot was taken/);
    expect(await snapshotNames("t-noagent2")).toEqual([]);

    const preferred = await config("pref.yaml", "instances:\n  t-noagent2:\n    adopt: true\n    quiesce: preferred\n");
    const p = await frost(["snapshot", "t-noagent2", "-c", preferred], { env: { ...env, FROST_NOW: "2026-11-25T10:02:00Z" } });
    expect(p.code).toBe(0);
    expect(p.stdout).toContain("ondemand-20261125T100200Z: crash-consistent");
    expect(p.stdout).toMatch(/warning: the guest agent is not connected.*crash-consistent snapshot instead/);
    expect(await snapshotNames("t-noagent2")).toEqual(["ondemand-20261125T100200Z"]);
  });

  it("with the agent hung: fails within a bounded time and leaves no guest frozen", async () => {
    const cfg = await config("hung.yaml", "instances:\n  t-snap:\n    adopt: true\n    quiesce: required\n");
    await guestShell("t-snap", "kill -STOP $(pidof qemu-ga)");
    try {
      const started = Date.now();
      const r = await frost(["snapshot", "t-snap", "-c", cfg], { env: { ...env, FROST_NOW: "2026-11-25T10:03:00Z" } });
      const took = Date.now() - started;
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/did not answer guest-ping in time/);
      expect(took).toBeLessThan(20_000);
      expect(await snapshotNames("t-snap")).not.toContain("ondemand-20261125T100300Z");
    } finally {
      await guestShell("t-snap", "kill -CONT $(pidof qemu-ga)");
    }
    expect(await waitForPing("t-snap", 30_000)).toBe(true);
    expect(await freezeStatus("t-snap")).toBe("thawed");
  });

  it("after frost is SIGKILLed while the guest is frozen, the next plan shows the thaw and the next unattended apply thaws it, taking over the dead run's lock", async () => {
    const cfg = await config("kill.yaml", "instances:\n  t-snap:\n    adopt: true\n    quiesce: required\n");
    const run = startFrost(["snapshot", "t-snap", "-c", cfg], {
      ...env,
      FROST_NOW: "2026-11-25T10:04:00Z",
      FROST_TEST_HOLD_FROZEN_MS: "60000",
    });
    expect(await waitUntilFrozen("t-snap")).toBe(true);
    const pid = run.child.pid;
    run.child.kill("SIGKILL");
    await run.exited;
    expect(await freezeStatus("t-snap")).toBe("frozen");

    const plan = await frost(["plan", "-c", cfg, "--detailed-exitcode"], { env });
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(
      new RegExp(`~ instance\\.t-snap: thaw \\(left frozen by an interrupted run: pid ${pid}, since .*; pid ${pid} no longer runs\\)`),
    );
    // The killed run also left its host lock: no human step stands between it and the thaw.
    const apply = await frost(["apply", "-c", cfg, "--auto-approve"], { env });
    expect(apply.code).toBe(0);
    expect(apply.stderr).toContain(`took over the lock of qemu:///system left by frost pid ${pid}`);
    expect(apply.stderr).toContain(`that run is gone (pid ${pid} no longer runs)`);
    expect(apply.stderr).toMatch(/t-snap: thawed 2 filesystem\(s\): left frozen by frost pid \d+/);
    expect(await freezeStatus("t-snap")).toBe("thawed");
    expect((await frost(["plan", "-c", cfg, "--detailed-exitcode"], { env })).code).toBe(0);
  });

  it("on SIGTERM while the guest is frozen, thaws before exiting and takes no snapshot", async () => {
    const cfg = await config("term.yaml", "instances:\n  t-snap:\n    adopt: true\n    quiesce: required\n");
    const run = startFrost(["snapshot", "t-snap", "-c", cfg], {
      ...env,
      FROST_NOW: "2026-11-25T10:05:00Z",
      FROST_TEST_HOLD_FROZEN_MS: "60000",
    });
    expect(await waitUntilFrozen("t-snap")).toBe(true);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(143);
    expect(run.output()).toMatch(/interrupted while the guest was frozen; it was thawed/);
    expect(await freezeStatus("t-snap")).toBe("thawed");
    expect(await snapshotNames("t-snap")).not.toContain("ondemand-20261125T100500Z");
  });
});

describe("scheduled snapshots and retention", () => {
  const schedule = (keep: string) =>
    `instances:\n  t-snap:\n    adopt: true\n    quiesce: required\nschedules:\n  nightly:\n    instances: [t-snap]\n    cron: "0 2 * * *"\n    keep: ${keep}\n`;

  it("takes the due snapshot, then plans nothing until the next tick, then prunes exactly what last=2 no longer keeps", async () => {
    const cfg = await config("sched.yaml", schedule("{ last: 2 }"));
    const at = (day: number) => ({ ...env, FROST_NOW: `2026-12-0${day}T02:30:00Z` });
    for (const day of [1, 2, 3]) {
      const r = await frost(["apply", "-c", cfg, "--auto-approve"], { env: at(day) });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`+ snapshot instance.t-snap @nightly (due since 2026-12-0${day} 02:00 UTC; quiesce required)`);
      expect((await frost(["plan", "-c", cfg, "--detailed-exitcode"], { env: at(day) })).code).toBe(0);
    }
    // On the third day the first one was pruned: last=2 keeps the two newest, counting the new one.
    const names = (await snapshotNames("t-snap")).filter((n) => n.startsWith("nightly-"));
    expect(names.sort()).toEqual(["nightly-20261202T0200Z", "nightly-20261203T0200Z"]);
    // Snapshots frost did not take for this schedule were never touched.
    expect(await snapshotNames("t-snap")).toContain("ondemand-20261125T100000Z");
  });

  it("never writes into the base images the disks sit on, across many snapshot create and delete cycles", async () => {
    const base = ["base-sys.qcow2", "base-data.qcow2"].map((f) => join("/var/tmp/frost-lab/domains/t-snap", f));
    const digest = async () =>
      Promise.all(
        base.map(async (f) =>
          createHash("sha256")
            .update(await readFile(f))
            .digest("hex"),
        ),
      );
    const before = await digest();
    const cfg = await config("cycle.yaml", schedule("{ last: 1 }"));
    for (let day = 4; day <= 8; day++) {
      const r = await frost(["apply", "-c", cfg, "--auto-approve"], { env: { ...env, FROST_NOW: `2026-12-0${day}T02:30:00Z` } });
      expect(r.code).toBe(0);
    }
    expect((await snapshotNames("t-snap")).filter((n) => n.startsWith("nightly-"))).toEqual(["nightly-20261208T0200Z"]);
    expect(await digest()).toEqual(before);
    expect(await waitForPing("t-snap", 10_000)).toBe(true);
  });
});

describe("a channel and a snapshot in one apply", () => {
  it("hot-plugs the channel, waits for the agent, then takes the quiesced snapshot", async () => {
    await lab("define", "t-both", "controller", "--start");
    try {
      const cfg = await config(
        "both.yaml",
        'instances:\n  t-both:\n    adopt: true\n    agent: true\n    quiesce: required\nschedules:\n  nightly:\n    instances: [t-both]\n    cron: "0 2 * * *"\n',
      );
      const r = await frost(["apply", "-c", cfg, "--auto-approve"], { env: { ...env, FROST_NOW: "2026-12-10T03:00:00Z" } });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("the guest agent answers");
      expect(r.stdout).toMatch(/nightly-20261210T0200Z: filesystem-consistent, 2 filesystem\(s\) frozen/);
    } finally {
      await lab("undefine", "t-both");
    }
  });
});
