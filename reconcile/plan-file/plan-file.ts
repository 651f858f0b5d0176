import { readFile, rename, writeFile } from "node:fs/promises";
import { UserError } from "../diagnostics.js";
import type { Plan } from "../model.js";
import type { PlanFacts } from "./facts.js";

/** The format of a saved plan file; a reader refuses any other. */
export const PLAN_FILE_FORMAT = "frost-plan/1";

/**
 * A saved plan: the plan itself (its steps are exactly what `apply FILE` does), the digest of the
 * configuration it was made from, and the facts it relied on, so that applying it later can refuse
 * when the hosts changed since. No secret is ever written here.
 */
export interface PlanFile {
  format: typeof PLAN_FILE_FORMAT;
  frostVersion: string;
  configDigest: string;
  configPath: string;
  uris: Record<string, string>;
  facts: PlanFacts;
  plan: Plan;
}

/** Writes a plan file (temp file and rename, so a reader never sees half of one). */
export async function writePlanFile(path: string, file: PlanFile): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(file, null, 1) + "\n", { mode: 0o644 });
  await rename(tmp, path);
}

/** Reads a plan file; anything that is not one frost can apply is a UserError saying what to do. */
export async function readPlanFile(path: string): Promise<PlanFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new UserError(`cannot read the plan file ${path}: ${(e as Error).message}`);
  }
  let value: Partial<PlanFile>;
  try {
    value = JSON.parse(text) as Partial<PlanFile>;
  } catch {
    throw new UserError(`${path} is not a frost plan file (not JSON)`, "Make one with: frost plan --out FILE");
  }
  if (value.format !== PLAN_FILE_FORMAT || !value.plan || !value.facts || !value.uris) {
    throw new UserError(
      `${path} is not a frost plan file of format ${PLAN_FILE_FORMAT}`,
      "Make a new one with this frost: frost plan --out FILE",
    );
  }
  return value as PlanFile;
}
