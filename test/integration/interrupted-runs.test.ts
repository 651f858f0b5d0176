import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { lockPath } from "../../reconcile/lock/lock-file.js";
import { frost, startFrost } from "../support/cli.js";
import { freezeStatus, guestShell, lab, ROOT, snapshotNames, virsh, waitForPing, waitUntilFrozen } from "../support/lab.js";

// Runs that end badly on the real lab — killed, hung up on, their output closed, their thaw failed —
// and what the next run does: no guest stays frozen, and no human step stands in between.
const DOMAIN = "t-guard";
let dir: string;
let env: Record<string, string>;
let cfg: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "frost-guard-"));
  env = { FROST_STATE_DIR: join(dir, "state") };
  cfg = join(dir, "frost.yaml");
  await writeFile(cfg, `host:\n  uri: qemu:///system\ninstances:\n  ${DOMAIN}:\n    adopt: true\n    quiesce: required\n`);
  await lab("define", DOMAIN, "channel", "--start", "--wait-agent");
});

afterAll(async () => {
  await lab("undefine", DOMAIN);
});

// Whatever a test did to the guest's agent or freeze, the next one starts from a thawed guest with its agent running.
afterEach(async () => {
  await guestShell(DOMAIN, "rm -f /run/qga.off").catch(() => "");
  await waitForPing(DOMAIN, 30_000);
  if ((await freezeStatus(DOMAIN).catch(() => "")) === "frozen") await virsh("domfsthaw", DOMAIN);
});

/** Starts `frost snapshot` holding the guest frozen a minute before the cut; resolves once it is frozen. */
async function frozenBySnapshot(now: string, extraEnv: Record<string, string> = {}) {
  const run = startFrost(["snapshot", DOMAIN, "-c", cfg], { ...env, FROST_NOW: now, FROST_TEST_HOLD_FROZEN_MS: "60000", ...extraEnv });
  expect(await waitUntilFrozen(DOMAIN)).toBe(true);
  return run;
}

/** Kills the guest's agent for good (SIGKILL: it cannot thaw on its way out), so that a thaw fails; afterEach brings it back. */
const killAgent = () => guestShell(DOMAIN, "touch /run/qga.off; kill -9 $(pidof qemu-ga)");
const restoreAgent = () => guestShell(DOMAIN, "rm -f /run/qga.off");

describe("a run killed while the guest is frozen", () => {
  it("is cleaned up by the next `frost thaw`: the dead run's lock is taken over and the guest thawed, no force-unlock", async () => {
    const run = await frozenBySnapshot("2026-11-26T10:00:00Z");
    run.child.kill("SIGKILL");
    await run.exited;
    expect(await freezeStatus(DOMAIN)).toBe("frozen");
    const r = await frost(["thaw", "--all", "-c", cfg], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`took over the lock of qemu:///system left by frost pid ${run.child.pid}`);
    expect(await freezeStatus(DOMAIN)).toBe("thawed");
    expect(await readdir(join(env["FROST_STATE_DIR"] as string, "freeze-journal"))).toEqual([]);
  });

  it("is thawed even when its lock cannot be taken over (one an older frost wrote, without a boot id)", async () => {
    const dead = await frozenBySnapshot("2026-11-26T10:01:00Z");
    dead.child.kill("SIGKILL");
    await dead.exited;
    // The lock as an older frost wrote it: nothing proves its holder gone, so it is reported, not taken over.
    const path = lockPath("qemu:///system", env["FROST_STATE_DIR"] as string);
    const record = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    for (const key of ["bootId", "machineId", "startTime"]) delete record[key];
    await writeFile(path, JSON.stringify(record));

    const r = await frost(["thaw", DOMAIN, "-c", cfg], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${DOMAIN}: thawed 2 filesystem\\(s\\): left frozen by frost pid ${dead.child.pid}`));
    expect(r.stderr).toContain(`frost force-unlock ${String(record["id"])}`);
    expect(await freezeStatus(DOMAIN)).toBe("thawed");
    expect((await frost(["force-unlock", String(record["id"])], { env })).code).toBe(0);
  });

  it("on SIGHUP (a closed SSH session) thaws before exiting with 129, and takes no snapshot", async () => {
    const run = await frozenBySnapshot("2026-11-26T10:02:00Z");
    run.child.kill("SIGHUP");
    expect(await run.exited).toBe(129);
    expect(run.output()).toMatch(/interrupted while the guest was frozen; it was thawed/);
    expect(await freezeStatus(DOMAIN)).toBe("thawed");
    expect(await snapshotNames(DOMAIN)).not.toContain("ondemand-20261126T100200Z");
  });
});

describe("a run whose output is closed while it takes a snapshot (frost snapshot … | head -1)", () => {
  it("stops printing, thaws, takes no snapshot, and exits 141 without a stack trace", async () => {
    const child = spawn(process.execPath, [join(ROOT, "bin", "frost.js"), "snapshot", DOMAIN, "-c", cfg], {
      cwd: ROOT,
      env: { ...process.env, ...env, NO_COLOR: "1", FROST_NOW: "2026-11-26T10:03:00Z", FROST_TEST_HOLD_FROZEN_MS: "20000" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((res) => child.on("close", (code) => res(code)));
    // The reader takes the first line and goes away, as `head -1` does.
    child.stdout.once("data", () => child.stdout.destroy());
    expect(await exited).toBe(141);
    expect(stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(await freezeStatus(DOMAIN)).toBe("thawed");
    expect(await snapshotNames(DOMAIN)).not.toContain("ondemand-20261126T100300Z");
    expect(await readdir(join(env["FROST_STATE_DIR"] as string, "freeze-journal"))).toEqual([]);
  });
});

describe("a thaw that fails", () => {
  it("names the guest still frozen and the command that thaws it", async () => {
    const run = await frozenBySnapshot("2026-11-26T10:04:00Z");
    await killAgent();
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(143);
    expect(run.output()).toContain(`${DOMAIN} may still be frozen (the thaw failed): run frost thaw ${DOMAIN}`);
    expect(run.output()).not.toContain("No guest was left frozen");
    await restoreAgent();
    expect(await waitForPing(DOMAIN, 30_000)).toBe(true);
    expect(await freezeStatus(DOMAIN)).toBe("frozen");
    const r = await frost(["thaw", DOMAIN, "-c", cfg], { env });
    expect(r.code).toBe(0);
    expect(await freezeStatus(DOMAIN)).toBe("thawed");
  });

  it("is retried by the next pass of the same frost watch", async () => {
    await writeFile(
      join(dir, "watch.yaml"),
      `host:\n  uri: qemu:///system\ninstances:\n  ${DOMAIN}:\n    adopt: true\n    quiesce: required\nschedules:\n  nightly:\n    instances: [${DOMAIN}]\n    cron: "0 2 * * *"\n`,
    );
    const watch = startFrost(["watch", "-c", join(dir, "watch.yaml"), "--interval", "2s"], {
      ...env,
      FROST_NOW: "2026-11-27T02:30:00Z",
      FROST_TEST_HOLD_FROZEN_MS: "4000",
    });
    try {
      expect(await waitUntilFrozen(DOMAIN)).toBe(true);
      await killAgent(); // the pass's own thaw will fail
      await waitForOutput(() => watch.output(), /may still be frozen|could not thaw/, 90_000);
      await restoreAgent();
      // The next pass sees the entry its own run left (its freeze session over) and thaws: no person needed.
      await waitForOutput(
        () => watch.output(),
        new RegExp(`${DOMAIN}: thawed \\d filesystem\\(s\\): left frozen by frost pid ${watch.child.pid}`),
        90_000,
      );
      expect(await freezeStatus(DOMAIN)).toBe("thawed");
    } finally {
      watch.child.kill("SIGTERM");
      await watch.exited;
    }
  });
});

describe("the freeze journal", () => {
  it("forgets a guest once it was seen thawed: a later freeze by another tool is not taken for frost's", async () => {
    const run = await frozenBySnapshot("2026-11-26T10:05:00Z");
    run.child.kill("SIGKILL");
    await run.exited;
    // The operator thaws it by hand, and a frost run sees it thawed.
    expect((await virsh("domfsthaw", DOMAIN)).code).toBe(0);
    expect((await frost(["apply", "-c", cfg, "--auto-approve"], { env })).code).toBe(0);
    // Another backup tool freezes the guest: frost leaves it to that tool.
    expect((await virsh("domfsfreeze", DOMAIN)).code).toBe(0);
    const plan = await frost(["plan", "-c", cfg], { env });
    expect(plan.stdout).toContain("frozen, but not by frost");
    expect(plan.stdout).not.toContain("thaw (left frozen by an interrupted run");
    expect((await frost(["apply", "-c", cfg, "--auto-approve"], { env })).code).toBe(0);
    expect(await freezeStatus(DOMAIN)).toBe("frozen");
  });
});

describe("one host reached by two URIs", () => {
  it("is locked once: a run through qemu+unix:///system waits for one through qemu:///system", async () => {
    const run = await frozenBySnapshot("2026-11-26T10:06:00Z");
    try {
      const other = join(dir, "unix.yaml");
      await writeFile(other, `host:\n  uri: qemu+unix:///system\ninstances:\n  ${DOMAIN}:\n    adopt: true\n`);
      const r = await frost(["thaw", DOMAIN, "-c", other], { env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`is locked by frost pid ${run.child.pid}`);
      expect(await freezeStatus(DOMAIN)).toBe("frozen");
    } finally {
      run.child.kill("SIGTERM");
      await run.exited;
    }
    expect(await freezeStatus(DOMAIN)).toBe("thawed");
  });
});

async function waitForOutput(output: () => string, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(output())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("a cut frost stops waiting for", () => {
  it("never has its overlays removed while libvirt may still switch the guest onto them; the next run settles them", async () => {
    const qemuPid = Number((await readFile(`/run/libvirt/qemu/${DOMAIN}.pid`, "utf8")).trim());
    const run = startFrost(["snapshot", DOMAIN, "-c", cfg], {
      ...env,
      FROST_NOW: "2026-11-26T10:07:00Z",
      FROST_TEST_HOLD_FROZEN_MS: "3000",
    });
    expect(await waitUntilFrozen(DOMAIN)).toBe(true);
    // QEMU stops answering: libvirt's cut waits on it past frost's deadline, and so does every thaw.
    process.kill(qemuPid, "SIGSTOP");
    let code: number | null;
    try {
      code = await run.exited;
    } finally {
      process.kill(qemuPid, "SIGCONT");
    }
    expect(code).toBe(1);
    expect(run.output()).toMatch(/were kept: frost stopped waiting for the cut before libvirt answered/);
    // libvirt's job goes on once QEMU answers, and switches the guest onto the overlays: they must exist.
    await waitFor(async () => (await snapshotNames(DOMAIN)).includes("ondemand-20261126T100700Z"), 60_000);
    for (const file of await diskFiles(DOMAIN)) expect(existsSync(file), `${file} is in use by ${DOMAIN}`).toBe(true);

    // The next run thaws the guest (if libvirt did not deliver a thaw once QEMU answered again), and
    // deletes the snapshot whose cut it could not vouch for.
    const r = await frost(["thaw", "--all", "-c", cfg], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/deleted snapshot ondemand-20261126T100700Z: libvirt finished its cut after frost had stopped waiting/);
    expect(await freezeStatus(DOMAIN)).toBe("thawed");
    expect(await snapshotNames(DOMAIN)).not.toContain("ondemand-20261126T100700Z");
    for (const file of await diskFiles(DOMAIN)) {
      expect(file).not.toContain("ondemand-20261126T100700Z");
      expect(existsSync(file)).toBe(true);
    }
    expect(await readdir(join(env["FROST_STATE_DIR"] as string, "pending-overlays"))).toEqual([]);
  });
});

/** The files the running domain's disks use now, through plain virsh. */
async function diskFiles(domain: string): Promise<string[]> {
  const r = await virsh("domblklist", domain, "--details");
  return r.stdout
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[0] === "file" && f[1] === "disk")
    .map((f) => f[3] ?? "");
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
