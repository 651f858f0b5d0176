import { randomBytes } from "node:crypto";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { UserError } from "../diagnostics.js";
import type { Plan } from "../model.js";
import { planFileDigest } from "./digest.js";
import type { HostKind } from "../provider.js";
import type { PlanFacts } from "./facts.js";

/** The format of a saved plan file; a reader refuses any other. */
export const PLAN_FILE_FORMAT = "frost-plan/1";

/**
 * What a saved plan holds: the plan itself (its steps are exactly what `apply FILE` does), the
 * digest of the configuration it was made from, and the facts it relied on, so that applying it
 * later can refuse when the hosts changed since. No secret is ever written here.
 */
export interface PlanFileContent {
  format: typeof PLAN_FILE_FORMAT;
  frostVersion: string;
  configDigest: string;
  configPath: string;
  uris: Record<string, string>;
  /** Each host's kind, so that apply asks the right provider. */
  kinds: Record<string, HostKind>;
  facts: PlanFacts;
  plan: Plan;
}

/** A saved plan as written and read: its content and the digest of that content (see `planFileDigest`). */
export interface PlanFile extends PlanFileContent {
  digest: string;
}

const REPLAN_HINT = "Make a new plan with: frost plan --out FILE";

/**
 * Writes a plan file with its digest. The content goes to a new temporary file beside `path`, of
 * an unpredictable name and created exclusively (never through a file or link that is already
 * there), then is renamed into place, so that a reader never sees half of one; on any failure the
 * temporary file is removed.
 */
export async function writePlanFile(path: string, content: PlanFileContent): Promise<void> {
  // The digest is computed over exactly what a reader will parse back.
  const body = JSON.parse(JSON.stringify(content)) as PlanFileContent;
  const file: PlanFile = { ...body, digest: planFileDigest(body) };
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(12).toString("hex")}.tmp`);
  // Exclusive: a file or link of that name that is not ours makes this fail, and is left alone.
  const handle = await open(tmp, "wx", 0o644);
  try {
    try {
      await handle.writeFile(JSON.stringify(file, null, 1) + "\n", "utf8");
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** Reads a plan file and checks it (see `parsePlanFile`), contacting nothing. */
export async function readPlanFile(path: string): Promise<PlanFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new UserError(`cannot read the plan file ${path}: ${(e as Error).message}`);
  }
  return parsePlanFile(text, path);
}

/**
 * The plan file in `text` (read from `path`), with its digest checked: anything that is not a plan
 * file frost wrote and nobody changed since is a UserError saying what to do.
 */
export function parsePlanFile(text: string, path: string): PlanFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${path} is not a frost plan file (not JSON)`, "Make one with: frost plan --out FILE");
  }
  const notAPlan = new UserError(
    `${path} is not a frost plan file of format ${PLAN_FILE_FORMAT}`,
    "Make a new one with this frost: frost plan --out FILE",
  );
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw notAPlan;
  const { digest, ...content } = value as Partial<PlanFile>;
  if (content.format !== PLAN_FILE_FORMAT) throw notAPlan;
  if (typeof digest !== "string") {
    throw new UserError(
      `${path} carries no digest of its content, so frost cannot tell whether it is still the plan that was saved, and refuses it`,
      REPLAN_HINT,
    );
  }
  if (planFileDigest(content) !== digest) {
    throw new UserError(
      `${path} does not match the digest it carries: it was edited or damaged after frost plan wrote it, and frost refuses it`,
      REPLAN_HINT,
    );
  }
  if (!content.plan || !content.facts || !content.uris || !content.kinds) throw notAPlan;
  return { ...(content as PlanFileContent), digest };
}
