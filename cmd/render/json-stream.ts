import type { ApplyHooks, ApplyResult } from "../../reconcile/apply.js";
import { summarize, type Plan } from "../../reconcile/model.js";
import { FROST_VERSION } from "../../reconcile/version.js";
import type { HoldNotice } from "../../reconcile/lock/hold-hosts.js";
import type { Io } from "../io.js";

/** The version of the JSON line stream of plan, apply and watch; its first object says it. */
export const JSON_STREAM_FORMAT = "1.0";

/** Emits one JSON object per line: `{"type": …, "timestamp": …, …data}`. */
export type Emit = (type: string, data: object) => void;

/** A JSON line stream on stdout whose first object is `{"type":"version",…}`. */
export function jsonStream(io: Io): Emit {
  const emit: Emit = (type, data) => io.out(JSON.stringify({ type, timestamp: new Date().toISOString(), ...data }) + "\n");
  emit("version", { format_version: JSON_STREAM_FORMAT, frost_version: FROST_VERSION });
  return emit;
}

/** A plan as events: each planned change, drift, remark and diagnostic, then the summary. */
export function emitPlan(emit: Emit, plan: Plan, extra: object = {}): void {
  for (const c of plan.changes) emit("planned_change", { change: c });
  for (const c of plan.drift) emit("resource_drift", { change: c });
  for (const r of plan.remarks) emit("remark", { remark: r });
  for (const d of plan.diagnostics) emit("diagnostic", { diagnostic: d });
  emit("change_summary", {
    changes: summarize(plan.changes),
    hosts: plan.hosts,
    errored: plan.errored,
    applyable: plan.applyable,
    ...extra,
  });
}

/** A notice (a lock taken over, a guest thawed before planning) as a `notice` event. */
export function jsonNotice(emit: Emit): (notice: HoldNotice) => void {
  return (n) => emit("notice", { host: n.host, ...(n.domain ? { domain: n.domain } : {}), severity: n.severity, message: n.message });
}

/** Apply progress as events. */
export function jsonApplyHooks(emit: Emit): ApplyHooks {
  return {
    preApply: (c) => emit("apply_start", { address: c.address, action: c.action, reason: c.reason }),
    postApply: (c, o) =>
      emit(o.status === "failed" ? "apply_errored" : "apply_complete", { address: c.address, action: c.action, outcome: o }),
  };
}

/** The closing event of an apply. */
export function emitApplySummary(emit: Emit, result: ApplyResult): void {
  emit("apply_summary", {
    applied: result.outcomes.length - result.failed - result.skipped,
    failed: result.failed,
    skipped: result.skipped,
    still_frozen: result.stillFrozen,
  });
}
