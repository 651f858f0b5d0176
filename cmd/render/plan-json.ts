import { summarize, type Plan } from "../../reconcile/model.js";
import { FROST_VERSION } from "../../reconcile/version.js";

/** The version of the machine-readable plan document; bumped on any incompatible change. */
export const PLAN_JSON_FORMAT = "1.0";

/**
 * Renders a plan as one versioned JSON document, for scripts and CI. Field names are snake_case
 * and stable; additions are compatible, removals bump `format_version`.
 */
export function renderPlanJson(plan: Plan): string {
  const doc = {
    format_version: PLAN_JSON_FORMAT,
    frost_version: FROST_VERSION,
    created_at: plan.createdAt,
    errored: plan.errored,
    applyable: plan.applyable,
    summary: summarize(plan.changes),
    hosts: plan.hosts,
    planned_changes: plan.changes.map((c) => ({
      host: c.host,
      address: c.address,
      action: c.action,
      before: c.before,
      after: c.after,
      reason: c.reason,
      notes: c.notes,
      steps: c.steps,
    })),
    drift: plan.drift,
    remarks: plan.remarks,
    kept: plan.kept,
    diagnostics: plan.diagnostics,
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
