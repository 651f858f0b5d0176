import type { SourcePos } from "./config/types.js";

/**
 * A problem or remark found while loading, planning or applying. `source` says whose it is to fix:
 * `user` (the configuration or the host as the user left it) or `frost` (a bug or an unexpected
 * answer). `code` is stable and machine-readable; `summary` is one line; `detail` says what
 * would be valid or what to do. `pos` points into the configuration where that is where it lies.
 */
export interface Diagnostic {
  severity: "error" | "warning";
  code: string;
  summary: string;
  detail?: string;
  pos?: SourcePos;
  source: "user" | "frost";
}

/** Formats a position the way compilers do: `file:line:col`. */
export function formatPos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

/** True when any diagnostic is an error. */
export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

/**
 * Raised by the engine for a failure the user can act on; the CLI prints it without a stack.
 * The engine never sets exit codes; the CLI maps errors to them.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UserError";
  }
}
