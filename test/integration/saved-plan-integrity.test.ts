import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planFileDigest } from "../../reconcile/plan-file/digest.js";
import { frost } from "../support/cli.js";
import { hasAgentChannel, lab, snapshotNames, virsh } from "../support/lab.js";

// A saved plan does exactly what was reviewed, or nothing (guarantee 5), on the real lab: a file
// edited after `frost plan --out` is refused with the host untouched, as plain virsh shows.
const DOMAIN = "t-spi-1";
let dir: string;
let env: Record<string, string>;
let planFile: string;
let saved: string;

/** What plain virsh says about the domain: defined, its state, the channel live and persistent, its snapshots. */
async function hostState(): Promise<unknown> {
  const state = await virsh("domstate", DOMAIN);
  return {
    state: state.stdout.trim(),
    live: await hasAgentChannel(DOMAIN),
    persistent: await hasAgentChannel(DOMAIN, true),
    snapshots: await snapshotNames(DOMAIN),
  };
}

/** A plan file as JSON, as far as the edits below reach into it. */
type SavedJson = Record<string, unknown> & { plan: { changes: { action: string; steps: unknown[] }[] } };

/** The saved plan, edited by `edit`; `reseal` also writes a matching digest, as only a forger would. */
async function edited(name: string, edit: (file: SavedJson) => void, reseal = false): Promise<string> {
  const file = JSON.parse(saved) as SavedJson;
  edit(file);
  if (reseal) {
    delete file["digest"];
    file["digest"] = planFileDigest(file);
  }
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(file, null, 1));
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "frost-spi-"));
  env = { FROST_STATE_DIR: join(dir, "state") };
  await lab("define", DOMAIN, "controller", "--start");
  const config = join(dir, "frost.yaml");
  await writeFile(
    config,
    `host:\n  uri: qemu:///system\n  apparmor: { manage: false }\ninstances:\n  ${DOMAIN}:\n    adopt: true\n    agent: true\n`,
  );
  planFile = join(dir, "channel.plan");
  const p = await frost(["plan", "-c", config, "--out", planFile], { env });
  expect(p.code, p.stdout + p.stderr).toBe(0);
  saved = await readFile(planFile, "utf8");
});

afterAll(async () => {
  await lab("undefine", DOMAIN);
  await rm(dir, { recursive: true, force: true });
});

describe("a saved plan edited after it was made", () => {
  it("shows the steps apply will run under each change", async () => {
    const r = await frost(["show", planFile], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`~ instance.${DOMAIN}: add the guest-agent channel (hot-plug and persistent definition)`);
    expect(r.stdout).toContain(`      1. attach the guest-agent channel to ${DOMAIN} (running domain and persistent definition)\n`);
    expect(r.stdout).toContain(`      2. write frost's record into the metadata of ${DOMAIN} (persistent definition only)\n`);
  });

  it("is refused, whatever was edited, and the host is unchanged", async () => {
    const before = await hostState();
    expect(before).toEqual({ state: "running", live: false, persistent: false, snapshots: [] });
    const edits = {
      relabelled: await edited("relabelled.plan", (f) => {
        if (f.plan.changes[0]) f.plan.changes[0].action = "no-op";
      }),
      "step added": await edited("added.plan", (f) => {
        f.plan.changes[0]?.steps.push({ kind: "undefine-domain", domain: DOMAIN });
      }),
      "facts emptied": await edited("facts.plan", (f) => {
        f["facts"] = {};
      }),
    };
    for (const [what, path] of Object.entries(edits)) {
      const shown = await frost(["show", path], { env });
      expect(shown.code, what).toBe(1);
      const r = await frost(["apply", path], { env });
      expect(r.code, what).toBe(1);
      expect(r.stderr, what).toBe(
        `Error: ${path} does not match the digest it carries: it was edited or damaged after frost plan wrote it, and frost refuses it\nMake a new plan with: frost plan --out FILE\n`,
      );
      expect(await hostState(), what).toEqual(before);
    }
  });

  it("is refused even with a digest made to match: a destroying step needs its flag, every domain its facts", async () => {
    const before = await hostState();
    const destroying = await edited(
      "destroying.plan",
      (f) => {
        f.plan.changes[0]?.steps.push({ kind: "stop-domain", domain: DOMAIN, graceMs: 0 }, { kind: "undefine-domain", domain: DOMAIN });
      },
      true,
    );
    const d = await frost(["apply", destroying], { env });
    expect(d.code).toBe(1);
    expect(d.stderr).toContain(
      `it destroys instance.${DOMAIN} (labelled "update", but it has undefine-domain steps): pass --allow-destroy`,
    );
    expect(await hostState()).toEqual(before);

    const unchecked = await edited(
      "unchecked.plan",
      (f) => {
        f["facts"] = {};
      },
      true,
    );
    const u = await frost(["apply", unchecked], { env });
    expect(u.code).toBe(1);
    expect(u.stderr).toContain(`it records no facts about a domain its steps act on`);
    expect(u.stderr).toContain(`(instance.${DOMAIN}) acts on domain ${DOMAIN} on host default`);
    expect(await hostState()).toEqual(before);
  });

  it("applies the unedited file", async () => {
    const r = await frost(["apply", planFile], { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Apply complete: 1 applied.");
    expect(await hostState()).toEqual({ state: "running", live: true, persistent: true, snapshots: [] });
  });
});
