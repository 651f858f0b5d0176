import { mkdtemp, readdir, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFrost } from "../support/cli.js";
import { freezeStatus, lab, snapshotNames } from "../support/lab.js";

// A real `frost watch` process on the lab: it picks up edits (an invalid one included), takes the
// snapshot a new schedule makes due, and stops on SIGTERM leaving no guest frozen and no lock.
let dir: string;

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const base = "host:\n  uri: qemu:///system\ninstances:\n  t-watch:\n    adopt: true\n    quiesce: required\n";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "frost-watch-"));
  await lab("define", "t-watch", "channel", "--start", "--wait-agent");
});

afterAll(async () => {
  await lab("undefine", "t-watch");
});

describe("frost watch", () => {
  it("re-plans on edits, keeps the last good config on an invalid one, takes a due snapshot, and stops cleanly on SIGTERM", async () => {
    const cfgDir = join(dir, "config");
    const state = join(dir, "state");
    await import("node:fs/promises").then((fs) => fs.mkdir(cfgDir));
    await writeFile(join(cfgDir, "frost.yaml"), base);
    const run = startFrost(["watch", "-c", cfgDir, "--interval", "60s"], { FROST_STATE_DIR: state });
    await waitFor("the watch to start", () => run.output().includes("watching"));
    await waitFor("the first pass", () => run.output().includes("No changes."));

    // An invalid edit, written the way editors do: a temp file renamed over the original.
    await writeFile(join(cfgDir, ".frost.yaml.tmp"), base + "    agnet: true\n");
    await rename(join(cfgDir, ".frost.yaml.tmp"), join(cfgDir, "frost.yaml"));
    await waitFor("the invalid edit to be reported", () => run.output().includes("the last good one stays in force"));
    expect(run.output()).toMatch(/frost\.yaml:7:5: error: unknown key "agnet"/);

    // A schedule that is due now: the pass the edit triggers takes its snapshot.
    await writeFile(
      join(cfgDir, "frost.yaml"),
      base + 'schedules:\n  often:\n    instances: [t-watch]\n    cron: "* * * * *"\n    keep: { last: 2 }\n',
    );
    await waitFor("the scheduled snapshot", async () => (await snapshotNames("t-watch")).some((n) => n.startsWith("often-")), 60_000);
    await waitFor("the apply to finish", () => /t-watch: done in/.test(run.output()));

    run.child.kill("SIGTERM");
    // 143: stopped by SIGTERM, after thawing and releasing its locks (the unit's SuccessExitStatus).
    expect(await run.exited).toBe(143);
    expect(run.output()).toContain("stopped; host locks released");
    expect(await freezeStatus("t-watch")).toBe("thawed");
    expect(await readdir(join(state, "locks")).catch(() => [])).toEqual([]);
  });
});
