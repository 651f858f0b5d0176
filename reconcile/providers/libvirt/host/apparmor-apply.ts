import { systemClock, type Clock } from "../../../clock.js";
import { DamagedBlockError, renderWithBlock } from "./apparmor-block.js";
import { checkAppArmorRules, describeProblem } from "./apparmor-check.js";
import { ParserError, parserMessage, runParser, type ParserOptions } from "./apparmor-parser.js";
import { APPARMOR_DIR, underRoot } from "./apparmor-paths.js";
import type { AppArmorChange } from "./apparmor-plan.js";
import { realFs, writeBackup, writeFileAtomic, type WriteFs } from "./atomic-write.js";
import { describeFsError, digestOf, readFileState, type FileOwnership } from "./file-state.js";

/**
 * Why an AppArmor change was not made. `refused`: nothing was attempted (a rule the parser rejects,
 * the file changed since the plan). `failed`: writing or reloading failed and the previous content
 * was put back (or, if even that failed, the message says where the backup is).
 */
export class AppArmorApplyError extends Error {
  constructor(
    message: string,
    readonly outcome: "refused" | "failed",
  ) {
    super(message);
    this.name = "AppArmorApplyError";
  }
}

/** Options of apply: the root all host paths are under (default `/`), the parser, the clock that names the backup, the file system. */
export interface AppArmorApplyOptions extends ParserOptions {
  root?: string;
  clock?: Clock;
  fs?: WriteFs;
}

/** What apply did: the backup of the previous content, the profiles reloaded, and remarks (rules not checked). */
export interface AppArmorApplyResult {
  backup: string;
  reloaded: string[];
  notes: string[];
}

/**
 * Makes exactly the planned change: checks the rules with apparmor_parser (parse only), re-reads the
 * file and refuses if it is not the one planned against, writes a backup and then the new content
 * atomically (same owner and mode), and reloads the planned profiles with `apparmor_parser -r`.
 * A reload that fails puts the previous content back and reloads what was reloaded with it.
 */
export async function applyAppArmor(change: AppArmorChange, options: AppArmorApplyOptions = {}): Promise<AppArmorApplyResult> {
  const root = options.root ?? "/";
  const fs = options.fs ?? realFs;
  const file = underRoot(root, change.abstraction);
  const notes: string[] = [];
  const unchanged = `${change.abstraction} was not changed`;

  const check = await checkAppArmorRules(change.rules, { ...options, root });
  if (check.status === "unchecked") notes.push(`rules not checked: ${check.reason}`);
  else if (check.problems.length > 0)
    throw new AppArmorApplyError(`${check.problems.map(describeProblem).join("; ")}; ${unchanged}`, "refused");

  const state = await readFileState(file);
  if (state.state !== "present") {
    throw new AppArmorApplyError(
      `${change.abstraction} changed since the plan: ${state.state === "missing" ? "it no longer exists" : state.reason}; run plan again`,
      "refused",
    );
  }
  if (state.digest !== change.beforeDigest) {
    throw new AppArmorApplyError(
      `${change.abstraction} changed since the plan (its content differs from what was planned against); ${unchanged}; run plan again`,
      "refused",
    );
  }
  let after: string;
  try {
    after = renderWithBlock(state.content, change.rules);
  } catch (e) {
    if (e instanceof DamagedBlockError) throw new AppArmorApplyError(`${change.abstraction}: ${e.message}; ${unchanged}`, "refused");
    throw e;
  }
  if (digestOf(after) !== change.afterDigest) {
    throw new AppArmorApplyError(
      `frost would write ${change.abstraction} differently from the plan (this version of frost renders the block otherwise); ${unchanged}; run plan again`,
      "refused",
    );
  }

  const backup = await writeBackup(file, state.content, state, (options.clock ?? systemClock).now(), fs).catch((e: unknown) => {
    throw new AppArmorApplyError(`cannot write a backup beside ${change.abstraction}: ${describeFsError(e)}; ${unchanged}`, "failed");
  });
  try {
    await writeFileAtomic(file, after, state, fs);
  } catch (e) {
    await fs.unlink(backup).catch(() => {});
    throw new AppArmorApplyError(`cannot write ${change.abstraction}: ${describeFsError(e)}; ${unchanged}`, "failed");
  }

  const reloaded: string[] = [];
  for (const profile of change.reload) {
    const problem = await reload(root, profile, options);
    if (problem === undefined) {
      reloaded.push(profile);
      continue;
    }
    const restored = await restore(file, state.content, state, fs, root, reloaded, options);
    if (restored.ok) await fs.unlink(backup).catch(() => {});
    throw new AppArmorApplyError(`reloading ${profile} failed: ${problem}; ${restored.message}`, "failed");
  }
  return { backup, reloaded, notes };
}

/** `apparmor_parser -r -T --base <root>/etc/apparmor.d <profile>`; the reason it failed, or undefined. */
async function reload(root: string, profile: string, options: ParserOptions): Promise<string | undefined> {
  try {
    // -T: never trust a cached binary, the abstraction it was built from just changed.
    const run = await runParser(["-r", "-T", "--base", underRoot(root, APPARMOR_DIR), underRoot(root, profile)], options);
    if (run.status === "absent") return `${options.parser ?? "apparmor_parser"} is not installed`;
    return run.result.code === 0 ? undefined : parserMessage(run.result.stderr, run.result.code).message;
  } catch (e) {
    if (e instanceof ParserError) return e.message;
    throw e;
  }
}

/** Puts the previous content back and reloads the profiles already reloaded; says how that went. */
async function restore(
  file: string,
  content: string,
  own: FileOwnership,
  fs: WriteFs,
  root: string,
  reloaded: string[],
  options: ParserOptions,
): Promise<{ ok: boolean; message: string }> {
  try {
    await writeFileAtomic(file, content, own, fs);
  } catch (e) {
    return {
      ok: false,
      message: `restoring the previous content also failed (${describeFsError(e)}); the backup beside it holds that content`,
    };
  }
  const still: string[] = [];
  for (const p of reloaded) if ((await reload(root, p, options)) !== undefined) still.push(p);
  const again = still.length > 0 ? `; reloading ${still.join(", ")} with it failed, reload by hand` : "";
  return { ok: true, message: `the previous content was put back${again}` };
}
