import { formatPos, type Diagnostic } from "../../reconcile/diagnostics.js";
import { styler } from "../io.js";

/** Renders diagnostics compiler-style: `file:line:col: error: summary`, then the detail indented. */
export function renderDiagnostics(diags: readonly Diagnostic[], color: boolean): string {
  const s = styler(color);
  return diags
    .map((d) => {
      const where = d.pos ? `${formatPos(d.pos)}: ` : "";
      const label = d.severity === "error" ? s.red("error") : s.yellow("warning");
      const detail = d.detail ? `\n    ${d.detail.split("\n").join("\n    ")}` : "";
      return `${where}${label}: ${d.summary}${detail}\n`;
    })
    .join("");
}

/** One line counting errors and warnings, e.g. `2 errors, 1 warning`. */
export function countDiagnostics(diags: readonly Diagnostic[]): string {
  const errors = diags.filter((d) => d.severity === "error").length;
  const warnings = diags.length - errors;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  return `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
}
