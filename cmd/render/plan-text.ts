import deepDiff from "deep-diff";
import { ACTION_SYMBOL, summarize, type Change, type Plan } from "../../reconcile/model.js";
import { styler } from "../io.js";
import { renderDiagnostics } from "./diagnostics.js";
import { describeSteps } from "../../reconcile/plan/describe-steps.js";

/** The one-line summary of a plan, Terraform's way. */
export function summaryLine(plan: Plan): string {
  if (plan.changes.length === 0) return "No changes. The hosts match the configuration.";
  const s = summarize(plan.changes);
  const replace = s.replace > 0 ? `${s.replace} to replace, ` : "";
  const extra = [
    s.snapshot > 0 ? `${s.snapshot} snapshot${s.snapshot === 1 ? "" : "s"} to take` : "",
    s.prune > 0 ? `${s.prune} to prune` : "",
    s.thaw > 0 ? `${s.thaw} guest${s.thaw === 1 ? "" : "s"} to thaw` : "",
  ].filter(Boolean);
  return `Plan: ${s.add} to add, ${s.change} to change, ${replace}${s.destroy} to destroy${extra.length ? `; ${extra.join(", ")}` : ""}.`;
}

/** A change addressed to the host itself (`host.NAME`): its reason is its own lines, each with its symbol. */
function isHostChange(c: Change): boolean {
  return c.address.startsWith("host.");
}

/** One change as a line: `~ instance.web: reason`, or for snapshots `+ snapshot instance.web @nightly (…)`. */
export function changeLine(c: Change): string {
  if (c.action === "snapshot" || c.action === "prune") return `${ACTION_SYMBOL[c.action]} snapshot ${c.address} ${c.reason}`;
  // A change to the host itself (its AppArmor rules) describes itself, one `+ apparmor rule "…" in …` line per thing it does.
  if (isHostChange(c)) return c.reason.split("\n").join("; ");
  // `+ image.cirros (sha256:ab12…, 12 MiB)`, `- volume.web-ab12cd34ef56.qcow2 in pool default (left by …)`
  if (c.address.startsWith("image.") || c.address.startsWith("volume.")) return `${ACTION_SYMBOL[c.action]} ${c.address} ${c.reason}`;
  return `${ACTION_SYMBOL[c.action]} ${c.address}: ${c.reason}`;
}

/**
 * Renders a finished plan for a person: changes per host with their symbols, remarks, diagnostics,
 * summary. `steps`: also each change's steps, one line each in the order apply runs them (for a
 * saved plan, where they are what gets done).
 */
export function renderPlanText(plan: Plan, color: boolean, options: { showKept?: boolean; steps?: boolean } = {}): string {
  const s = styler(color);
  const out: string[] = [];
  const symbolColor = (c: Change) =>
    c.action === "create" || c.action === "snapshot" ? s.green : c.action === "update" || c.action === "thaw" ? s.yellow : s.red;
  for (const host of plan.hosts) {
    if (host.status === "unreachable") {
      out.push(s.red(`Host ${host.name} (${host.uri}) is unreachable: ${host.error}`), "");
      continue;
    }
    const changes = plan.changes.filter((c) => c.host === host.name);
    const remarks = plan.remarks.filter((r) => r.host === host.name);
    const kept = options.showKept ? plan.kept.filter((k) => k.host === host.name) : [];
    const drift = plan.drift.filter((c) => c.host === host.name);
    if (changes.length === 0 && remarks.length === 0 && kept.length === 0 && drift.length === 0) continue;
    out.push(s.bold(`Host ${host.name} (${host.uri}):`), "");
    if (drift.length > 0) {
      // Terraform's "Objects have changed outside of Terraform": what frost found, not what it will do.
      out.push(`  ${s.bold("Changed outside frost")} (frost's record -> now):`);
      for (const c of drift) {
        out.push(`  ${s.yellow("~")} ${c.address}: ${c.reason}`);
        for (const d of describeDiff(c)) out.push(`      ${s.dim(d)}`);
      }
      out.push("");
    }
    for (const c of changes) {
      if (isHostChange(c)) {
        for (const line of c.reason.split("\n"))
          out.push(`  ${(line.startsWith("-") ? s.red : s.green)(line.slice(0, 1))}${line.slice(1)}`);
        for (const note of c.notes) out.push(`      ${s.yellow("! " + note)}`);
        if (options.steps) for (const step of describeSteps(c.steps)) out.push(`      ${step}`);
        continue;
      }
      const line = changeLine(c);
      const symbol = ACTION_SYMBOL[c.action];
      out.push(`  ${symbolColor(c)(symbol)}${line.slice(symbol.length)}`);
      if (c.action === "update") for (const d of describeDiff(c)) out.push(`      ${s.dim(d)}`);
      for (const note of c.notes) out.push(`      ${s.yellow("! " + note)}`);
      if (options.steps) for (const step of describeSteps(c.steps)) out.push(`      ${step}`);
    }
    for (const r of remarks) out.push(`  ${s.cyan("i")} ${s.bold(r.address)}: ${r.message}`);
    for (const k of kept) out.push(`  ${s.dim(`= snapshot ${k.address} ${k.name} (kept: ${k.reasons.join(", ")})`)}`);
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
    if (d.kind === "E" || d.kind === "N" || d.kind === "D")
      return `${path}: ${show(d.kind === "N" ? undefined : d.lhs)} -> ${show(d.kind === "D" ? undefined : d.rhs)}`;
    return `${path}: changed`;
  });
}

function show(v: unknown): string {
  return v === undefined ? "(none)" : v === null ? "(not running)" : JSON.stringify(v);
}
