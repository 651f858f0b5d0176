import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../../reconcile/clock.js";
import { UserError } from "../../../reconcile/diagnostics.js";
import { canonicalJson, planFileDigest } from "../../../reconcile/plan-file/digest.js";
import { collectFacts } from "../../../reconcile/plan-file/facts.js";
import {
  parsePlanFile,
  PLAN_FILE_FORMAT,
  readPlanFile,
  writePlanFile,
  type PlanFileContent,
} from "../../../reconcile/plan-file/plan-file.js";
import { plan } from "../../../reconcile/plan/plan.js";
import { DesiredBuilder, devices, observedHost, running } from "../../support/builders.js";

/** A real plan (a channel to add, a snapshot due) and what `frost plan --out` saves with it. */
function content(): PlanFileContent {
  const desired = new DesiredBuilder().adopt("web", true).schedule("nightly", ["web"]).build();
  const observations = observedHost([running("web", devices({ controller: true }))]);
  const p = plan(desired, observations, { clock: fixedClock("2026-11-25T12:00:00Z") });
  return {
    format: PLAN_FILE_FORMAT,
    frostVersion: "0.1.0",
    configDigest: "sha256:0123",
    configPath: "frost.yaml",
    uris: { default: "test:///fake" },
    kinds: { default: "libvirt" },
    facts: collectFacts(p, observations),
    plan: p,
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "frost-plan-file-"));
});

async function refusal(path: string): Promise<UserError> {
  const e = await readPlanFile(path).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

describe("the digest of a plan file", () => {
  it("round-trips: what writePlanFile writes, readPlanFile accepts, with the same content", async () => {
    const path = join(dir, "a.plan");
    const c = content();
    expect(c.plan.changes.map((ch) => ch.action)).toEqual(["update", "snapshot"]);
    await writePlanFile(path, c);
    const read = await readPlanFile(path);
    const { digest, ...rest } = read;
    expect(rest).toEqual(JSON.parse(JSON.stringify(c)));
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digest).toBe(planFileDigest(JSON.parse(JSON.stringify(c))));
  });

  it("refuses the file after a one-character edit anywhere in it", async () => {
    const path = join(dir, "b.plan");
    await writePlanFile(path, content());
    const text = await readFile(path, "utf8");
    expect(parsePlanFile(text, path)).toMatchObject({ format: PLAN_FILE_FORMAT });
    const accepted: string[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      // Another character, not white space (re-indenting the file changes nothing it says).
      const other = /[0-9a-f]/.test(c) ? (c === "0" ? "1" : "0") : c === "x" ? "y" : "x";
      try {
        parsePlanFile(text.slice(0, i) + other + text.slice(i + 1), path);
        accepted.push(`${i}: ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))}`);
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
      }
    }
    expect(text.length).toBeGreaterThan(1000);
    expect(accepted).toEqual([]);
  });

  it("says what is wrong and what to do when a step was edited", async () => {
    const path = join(dir, "c.plan");
    await writePlanFile(path, content());
    const text = await readFile(path, "utf8");
    await writeFile(path, text.replace('"action": "update"', '"action": "no-op"'));
    const e = await refusal(path);
    expect(e.message).toBe(
      `${path} does not match the digest it carries: it was edited or damaged after frost plan wrote it, and frost refuses it`,
    );
    expect(e.hint).toBe("Make a new plan with: frost plan --out FILE");
  });

  it("refuses a file without a digest the same way", async () => {
    const path = join(dir, "d.plan");
    await writeFile(path, JSON.stringify(content()));
    const e = await refusal(path);
    expect(e.message).toContain(`${path} carries no digest of its content`);
    expect(e.hint).toBe("Make a new plan with: frost plan --out FILE");
  });

  it("depends on the content only, not on the layout or the order of keys", async () => {
    const path = join(dir, "e.plan");
    await writePlanFile(path, content());
    const value = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(value).reverse());
    await writeFile(path, JSON.stringify(reordered, null, 4));
    await expect(readPlanFile(path)).resolves.toMatchObject({ format: PLAN_FILE_FORMAT });
  });

  it("is over a canonical text: keys sorted at every level, undefined members left out, arrays in order", () => {
    expect(canonicalJson({ b: [2, 1, { d: 1, c: "x" }], a: null, u: undefined })).toBe('{"a":null,"b":[2,1,{"c":"x","d":1}]}');
    expect(planFileDigest({ a: 1, b: 2 })).toBe(planFileDigest({ b: 2, a: 1 }));
    expect(planFileDigest({ a: [1, 2] })).not.toBe(planFileDigest({ a: [2, 1] }));
  });
});

describe("writing a plan file", () => {
  it("never writes through a link planted at the old predictable temporary name, and leaves it alone", async () => {
    const path = join(dir, "f.plan");
    const victim = join(dir, "victim");
    await writeFile(victim, "not yours to write\n");
    const planted = `${path}.tmp-${process.pid}`;
    await symlink(victim, planted);
    await writePlanFile(path, content());
    expect(await readFile(victim, "utf8")).toBe("not yours to write\n");
    expect((await lstat(planted)).isSymbolicLink()).toBe(true);
    expect(await readlink(planted)).toBe(victim);
    await expect(readPlanFile(path)).resolves.toMatchObject({ format: PLAN_FILE_FORMAT });
    expect((await readdir(dir)).sort()).toEqual(["f.plan", "f.plan.tmp-" + process.pid, "victim"].sort());
  });

  it("writes the file with mode 0644 (less the umask)", async () => {
    const path = join(dir, "g.plan");
    await writePlanFile(path, content());
    const umask = process.umask(0o022);
    process.umask(umask);
    expect((await stat(path)).mode & 0o777).toBe(0o644 & ~umask);
  });

  it("removes its temporary file when it cannot put the plan in place", async () => {
    const path = join(dir, "h.plan");
    await mkdir(path);
    await writeFile(join(path, "inside"), "a directory in the way");
    await expect(writePlanFile(path, content())).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["h.plan"]);
    expect(await readdir(path)).toEqual(["inside"]);
  });
});
