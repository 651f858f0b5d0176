import deepDiff from "deep-diff";
import { ACTION_SYMBOL, summarize, type Change, type Plan } from "../../reconcile/model.js";
import { styler } from "../io.js";
import { renderDiagnostics } from "./diagnostics.js";

/** The one-line summary of a plan, Terraform's way. */
export function summaryLine(plan: Plan): string {
  if (plan.changes.length === 0) return "No changes. The hosts match the configuration.";
  const s = summarize(plan.changes);
  const replace = s.replace > 0 ? `${s.replace} to replace, ` : "";
  return `Plan: ${s.add} to add, ${s.change} to change, ${replace}${s.destroy} to destroy.`;
}

/** Renders a finished plan for a person: changes per host with their symbols, remarks, diagnostics, summary. */
export function renderPlanText(plan: Plan, color: boolean): string {
  const s = styler(color);
  const out: string[] = [];
  const symbolColor = (c: Change) => (c.action === "create" ? s.green : c.action === "update" ? s.yellow : s.red);
  for (const host of plan.hosts) {
    if (host.status === "unreachable") {
      out.push(s.red(`Host ${host.name} (${host.uri}) is unreachable: ${host.error}`), "");
      continue;
    }
    const changes = plan.changes.filter((c) => c.host === host.name);
    const remarks = plan.remarks.filter((r) => r.host === host.name);
    if (changes.length === 0 && remarks.length === 0) continue;
    out.push(s.bold(`Host ${host.name} (${host.uri}):`), "");
    for (const c of changes) {
      out.push(`  ${symbolColor(c)(ACTION_SYMBOL[c.action])} ${s.bold(c.address)}: ${c.reason}`);
      for (const line of describeDiff(c)) out.push(`      ${s.dim(line)}`);
      for (const note of c.notes) out.push(`      ${s.yellow("! " + note)}`);
    }
    for (const r of remarks) out.push(`  ${s.cyan("i")} ${s.bold(r.address)}: ${r.message}`);
    out.push("");
  }
  const diagnostics = renderDiagnostics(plan.diagnostics, color);
  if (diagnostics) out.push(diagnostics);
  if (!plan.errored) out.push(s.bold(summaryLine(plan)));
  else out.push(s.red("The plan has errors; nothing will be applied until they are fixed."));
  return out.join("\n") + "\n";
}

/** `agentChannel.live: false -> true` for each attribute that differs between before and after. */
function describeDiff(change: Change): string[] {
  return (deepDiff.diff(change.before, change.after) ?? []).map((d) => {
    const path = (d.path ?? []).join(".");
    if (d.kind === "E" || d.kind === "N" || d.kind === "D") return `${path}: ${show(d.kind === "N" ? undefined : d.lhs)} -> ${show(d.kind === "D" ? undefined : d.rhs)}`;
    return `${path}: changed`;
  });
}

function show(v: unknown): string {
  return v === undefined ? "(none)" : v === null ? "(not running)" : JSON.stringify(v);
}
