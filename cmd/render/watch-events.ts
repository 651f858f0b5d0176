import type { ApplyHooks, ApplyResult } from "../../reconcile/apply.js";
import type { Diagnostic } from "../../reconcile/diagnostics.js";
import type { Plan } from "../../reconcile/model.js";
import type { PassResult } from "../../reconcile/watch/loop.js";
import type { Io } from "../io.js";
import { describeOutcome } from "../progress/plain.js";
import { renderDiagnostics } from "./diagnostics.js";
import { emitApplySummary, emitPlan, jsonApplyHooks, jsonNotice, jsonStream } from "./json-stream.js";
import type { HoldNotice } from "../../reconcile/lock/hold-hosts.js";
import { changeLine, renderPlanText, summaryLine } from "./plan-text.js";

/** What `frost watch` reports, event by event: as text lines, or as one JSON object per line. */
export interface WatchReporter {
  started(config: string, mode: string, intervalMs: number): void;
  passStart(reason: string): void;
  passEnd(result: PassResult, durationMs: number, nextInMs: number | undefined): void;
  diagnostics(diags: Diagnostic[], usedLastGood: boolean): void;
  plan(plan: Plan, reason: string, toApply: number): void;
  hooks: ApplyHooks;
  applied(result: ApplyResult): void;
  /** A lock taken over, a guest thawed before planning. */
  notice(notice: HoldNotice): void;
  error(err: unknown): void;
  stopping(signal: string): void;
  stopped(): void;
}

/** A reporter for `frost watch`: plain timestamped lines, or a versioned JSON line stream. */
export function watchReporter(io: Io, json: boolean): WatchReporter {
  return json ? jsonReporter(io) : textReporter(io);
}

function textReporter(io: Io): WatchReporter {
  const line = (text: string): void => io.out(`${new Date().toISOString()} ${text}\n`);
  let lastPlan = "";
  return {
    started: (config, mode, intervalMs) => line(`watching ${config} (apply: ${mode}, a pass every ${Math.round(intervalMs / 1000)}s)`),
    passStart: (reason) => line(`pass: ${reason}`),
    passEnd: (result, ms, next) =>
      line(
        `pass ${result === "ok" ? "done" : "FAILED"} in ${(ms / 1000).toFixed(1)}s${next !== undefined ? `; next in ${Math.round(next / 1000)}s` : ""}`,
      ),
    diagnostics: (diags, usedLastGood) => {
      io.out(renderDiagnostics(diags, io.color));
      if (usedLastGood) line("the configuration is invalid; the last good one stays in force");
    },
    plan: (plan, reason, toApply) => {
      const text = renderPlanText(plan, io.color);
      // The same plan every interval is noise: show it when it changed, or when the config did.
      if (text !== lastPlan || reason !== "interval") io.out(text);
      else line(summaryLine(plan));
      lastPlan = text;
      if (plan.changes.length > toApply) line(`${plan.changes.length - toApply} change(s) only reported (see --apply)`);
    },
    hooks: {
      preApply: (c) => line(`${changeLine(c)}: applying`),
      postApply: (c, o) => {
        line(`${c.address}: ${describeOutcome(o)}`);
        if (o.status === "done") for (const w of o.warnings) line(`${c.address}: warning: ${w}`);
      },
    },
    applied: (r) =>
      line(`applied ${r.outcomes.length - r.failed - r.skipped} of ${r.outcomes.length}${r.failed ? `, ${r.failed} failed` : ""}`),
    notice: (n) => line(`host ${n.host}: ${n.domain ? `${n.domain}: ` : ""}${n.severity === "warning" ? "warning: " : ""}${n.message}`),
    error: (err) => line(`error: ${(err as Error).message ?? String(err)}`),
    stopping: (signal) => line(`${signal}: stopping; no new work starts, frozen guests are thawed first`),
    stopped: () => line("stopped; host locks released"),
  };
}

function jsonReporter(io: Io): WatchReporter {
  const emit = jsonStream(io);
  return {
    started: (config, mode, intervalMs) => emit("watch_started", { config, apply: mode, interval_ms: intervalMs }),
    passStart: (reason) => emit("pass_started", { reason }),
    passEnd: (result, ms, next) => emit("pass_finished", { result, duration_ms: Math.round(ms), next_in_ms: next ?? null }),
    diagnostics: (diags, usedLastGood) => {
      for (const d of diags) emit("diagnostic", { diagnostic: d });
      if (usedLastGood) emit("config_rejected", { message: "the last good configuration stays in force" });
    },
    plan: (plan, reason, toApply) => emitPlan(emit, plan, { reason, to_apply: toApply }),
    hooks: jsonApplyHooks(emit),
    applied: (r) => emitApplySummary(emit, r),
    notice: jsonNotice(emit),
    error: (err) => emit("error", { message: (err as Error).message ?? String(err) }),
    stopping: (signal) => emit("stopping", { signal }),
    stopped: () => emit("stopped", {}),
  };
}
