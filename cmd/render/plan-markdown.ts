import { summarize, type Plan } from "../../reconcile/model.js";
import { formatPos } from "../../reconcile/diagnostics.js";
import { renderPlanText, summaryLine } from "./plan-text.js";

/** Plans longer than this many changes are collapsed under their summary. */
const COLLAPSE_OVER = 10;

/**
 * Renders a plan for a pull-request comment: the verdict and counts first, errors next, then the
 * plan itself in a code block (collapsed in a <details> when long).
 */
export function renderPlanMarkdown(plan: Plan): string {
  const s = summarize(plan.changes);
  const out: string[] = [];
  const verdict = plan.errored ? "❌ **The plan has errors**" : plan.changes.length === 0 ? "✅ **No changes**" : "📝 **Changes planned**";
  out.push(`### frost plan: ${verdict}`, "");
  out.push(summaryLine(plan), "");
  if (plan.changes.length > 0) {
    out.push("| add | change | destroy | snapshots | prune | thaw |", "|---|---|---|---|---|---|");
    out.push(`| ${s.add} | ${s.change + s.replace} | ${s.destroy} | ${s.snapshot} | ${s.prune} | ${s.thaw} |`, "");
  }
  for (const h of plan.hosts.filter((h) => h.status === "unreachable"))
    out.push(`- ⚠️ host \`${h.name}\` (${h.uri}) is unreachable: ${h.error}`);
  for (const d of plan.diagnostics) {
    out.push(
      `- ${d.severity === "error" ? "❌" : "⚠️"} ${d.pos ? `\`${formatPos(d.pos)}\`: ` : ""}${d.summary}${d.detail ? ` — ${d.detail}` : ""}`,
    );
  }
  const body = ["```diff", renderPlanText({ ...plan, diagnostics: [] }, false).trimEnd(), "```"];
  if (plan.changes.length > COLLAPSE_OVER) out.push("", "<details><summary>Show the plan</summary>", "", ...body, "", "</details>");
  else out.push("", ...body);
  return out.join("\n") + "\n";
}
