import type { Change, Plan } from "../model.js";
import type { HostObservation } from "../provider.js";

/**
 * A plan made of changes an imperative command decided on (`frost snapshot`, `frost thaw`), in
 * the same shape as a computed plan, so that it is shown and applied the same way.
 */
export function adhocPlan(
  createdAt: Date,
  observations: Record<string, HostObservation>,
  uris: Record<string, string>,
  changes: Change[],
): Plan {
  return {
    formatVersion: 1,
    createdAt: createdAt.toISOString(),
    hosts: Object.entries(observations).map(([name, o]) =>
      o.status === "observed"
        ? { name, uri: uris[name] ?? "", status: "observed" }
        : { name, uri: uris[name] ?? "", status: "unreachable", error: o.error },
    ),
    changes,
    drift: [],
    remarks: [],
    kept: [],
    diagnostics: [],
    errored: false,
    applyable: changes.length > 0,
  };
}
