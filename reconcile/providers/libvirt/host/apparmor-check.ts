import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { APPARMOR_DIR, underRoot } from "./apparmor-paths.js";
import { ParserError, parserMessage, runParser, type ParserOptions } from "./apparmor-parser.js";
import { exists } from "./file-state.js";

/** A rule the parser rejected, with its words; `rule` is unset when no single rule is to blame. */
export interface RuleProblem {
  rule?: string;
  message: string;
}

/**
 * The outcome of checking rules with apparmor_parser in parse-only mode: `checked` (no problems
 * means every rule parsed, alone and together), or `unchecked` when the parser is not installed.
 */
export type RuleCheck = { status: "checked"; problems: RuleProblem[] } | { status: "unchecked"; reason: string };

/** Options of a check: the parser, and the root whose /etc/apparmor.d supplies tunables/global. */
export interface RuleCheckOptions extends ParserOptions {
  root?: string;
}

/**
 * Checks rule lines with `apparmor_parser -Q -K -T` (parse only: nothing is loaded, no cache is
 * read or written), which works on a kernel without AppArmor. Each rule is parsed alone in a
 * throw-away `profile frost-check { … }`, so a complaint is pinned on the rule that caused it
 * however the parser counts lines; then all of them together, for conflicts between rules (the
 * parser's line number maps back to the rule). The profile includes only `tunables/global`, when
 * the root has it, so that rules may use @{PROC} and the like.
 */
export async function checkAppArmorRules(rules: readonly string[], options: RuleCheckOptions = {}): Promise<RuleCheck> {
  if (rules.length === 0) return { status: "checked", problems: [] };
  const root = options.root ?? "/";
  const base = underRoot(root, APPARMOR_DIR);
  const header = (await exists(path.join(base, "tunables/global"))) ? ["#include <tunables/global>"] : [];
  const baseArgs = (await exists(base)) ? ["--base", base] : [];
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "frost-apparmor-check-"));
  try {
    // The line of the profile file on which rule i stands (1-based).
    const lineOf = (i: number) => header.length + 2 + i;
    const parse = async (some: readonly string[]) => {
      const file = path.join(dir, "frost-check");
      await fsp.writeFile(file, [...header, "profile frost-check {", ...some.map((r) => `  ${r}`), "}", ""].join("\n"));
      const run = await runParser(["-Q", "-K", "-T", ...baseArgs, file], options);
      if (run.status === "absent") return "absent" as const;
      return run.result.code === 0 ? undefined : parserMessage(run.result.stderr, run.result.code);
    };

    const problems: RuleProblem[] = [];
    for (const rule of rules) {
      const complaint = await parse([rule]);
      if (complaint === "absent")
        return {
          status: "unchecked",
          reason: `${options.parser ?? "apparmor_parser"} is not installed (the apparmor package provides it)`,
        };
      if (complaint) problems.push({ rule, message: complaint.message });
    }
    if (problems.length === 0 && rules.length > 1) {
      const complaint = await parse(rules);
      if (complaint === "absent") return { status: "unchecked", reason: "apparmor_parser disappeared during the check" };
      if (complaint) {
        const rule = complaint.line === undefined ? undefined : rules[complaint.line - lineOf(0)];
        problems.push({ ...(rule !== undefined ? { rule } : {}), message: `${complaint.message} (only together with the other rules)` });
      }
    }
    return { status: "checked", problems };
  } catch (e) {
    if (e instanceof ParserError) return { status: "checked", problems: [{ message: e.message }] };
    throw e;
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** A problem as one line for a plan or an error: `apparmor_parser rejects rule "…": …`. */
export function describeProblem(p: RuleProblem): string {
  return p.rule !== undefined
    ? `apparmor_parser rejects rule "${p.rule}": ${p.message}`
    : `apparmor_parser check of the rules failed: ${p.message}`;
}
