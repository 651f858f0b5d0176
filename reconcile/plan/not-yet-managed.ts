import type { DesiredState } from "../config/types.js";
import type { Diagnostic } from "../diagnostics.js";

/**
 * Warnings for what the configuration declares (and validation accepts) but this version does
 * not act on yet, so that nobody believes frost keeps a value it does not look at.
 */
export function notYetManaged(desired: DesiredState): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  for (const instance of Object.values(desired.instances)) {
    const fields = (["memory", "vcpus", "state"] as const).filter((f) => instance[f] !== undefined);
    if (fields.length > 0) {
      warnings.push({
        severity: "warning",
        code: "plan.fields-not-acted-on",
        summary: `instance ${instance.name}: ${fields.join(", ")} ${fields.length === 1 ? "is" : "are"} validated but not managed by this version of frost`,
        pos: instance.pos,
        source: "user",
      });
    }
  }
  return warnings;
}
