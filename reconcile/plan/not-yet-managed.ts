import type { DesiredState } from "../config/types.js";
import type { Diagnostic } from "../diagnostics.js";

/**
 * Warnings for what the configuration declares (and validation accepts) but this version does
 * not act on yet, so that nobody believes a schedule runs when it does not.
 */
export function notYetManaged(desired: DesiredState): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  const warn = (code: string, summary: string, pos: Diagnostic["pos"]): void => {
    warnings.push({ severity: "warning", code, summary, ...(pos ? { pos } : {}), source: "user" });
  };
  const firstSchedule = Object.values(desired.schedules)[0];
  if (firstSchedule) {
    warn("plan.schedules-not-acted-on", "schedules are validated but this version of frost takes no snapshots yet", firstSchedule.pos);
  }
  for (const instance of Object.values(desired.instances)) {
    const fields = (["memory", "vcpus", "state"] as const).filter((f) => instance[f] !== undefined);
    if (fields.length > 0) {
      warn("plan.fields-not-acted-on", `instance ${instance.name}: ${fields.join(", ")} are validated but not managed by this version of frost`, instance.pos);
    }
  }
  return warnings;
}
