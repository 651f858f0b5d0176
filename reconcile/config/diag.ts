import type { Diagnostic } from "../diagnostics.js";
import type { SourcePos } from "./types.js";
import type { Problem } from "./values.js";

/**
 * Collects the diagnostics of one `loadConfig` run. Every configuration problem is the user's to
 * fix, so `source` is always `user`. Loading never stops at the first problem: each step reports
 * into the sink and carries on with whatever is still usable.
 */
export class DiagnosticSink {
  readonly list: Diagnostic[] = [];

  error(code: string, pos: SourcePos | undefined, summary: string, detail?: string): void {
    this.push("error", code, pos, summary, detail);
  }

  warn(code: string, pos: SourcePos | undefined, summary: string, detail?: string): void {
    this.push("warning", code, pos, summary, detail);
  }

  /** Reports a problem found by one of the value checks as an error. */
  problem(code: string, pos: SourcePos, p: Problem): void {
    this.error(code, pos, p.problem.summary, p.problem.detail);
  }

  hasErrors(): boolean {
    return this.list.some((d) => d.severity === "error");
  }

  private push(
    severity: Diagnostic["severity"],
    code: string,
    pos: SourcePos | undefined,
    summary: string,
    detail: string | undefined,
  ): void {
    const d: Diagnostic = { severity, code, summary, source: "user" };
    if (detail !== undefined) d.detail = detail;
    if (pos !== undefined) d.pos = pos;
    this.list.push(d);
  }
}
