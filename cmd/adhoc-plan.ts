import type { Change, Plan } from "../reconcile/model.js";
import type { HostObservation } from "../reconcile/plan/plan.js";
import { freeSnapshotName, namesInUse } from "../reconcile/snapshots/naming.js";

/**
 * A plan made of changes an imperative command decided on (`frost snapshot`, `frost thaw`), in
 * the same shape as a computed plan, so that it is shown and applied the same way. A snapshot it
 * takes gets a name no snapshot of its domain has, as observed (see `freeSnapshotName`): a second
 * on-demand snapshot within one second, or a name someone else gave a snapshot, never collides.
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
    changes: withFreeSnapshotNames(changes, observations),
    drift: [],
    remarks: [],
    kept: [],
    diagnostics: [],
    errored: false,
    applyable: changes.length > 0,
  };
}

/** `changes`, each snapshot renamed where its name is taken on its domain (or by an earlier change of the same plan). */
function withFreeSnapshotNames(changes: Change[], observations: Record<string, HostObservation>): Change[] {
  const planned = new Map<string, string[]>();
  return changes.map((change) => {
    const o = observations[change.host];
    let renamed: string | undefined;
    const steps = change.steps.map((step) => {
      if (step.kind !== "take-snapshot" || o?.status !== "observed") return step;
      const domain = o.host.domains[step.domain];
      if (!domain) return step;
      const key = `${change.host}\n${step.domain}`;
      const name = freeSnapshotName(step.request.name, [...namesInUse(domain), ...(planned.get(key) ?? [])]);
      planned.set(key, [...(planned.get(key) ?? []), name]);
      if (name === step.request.name) return step;
      renamed = name;
      return { ...step, request: { ...step.request, name } };
    });
    return renamed === undefined ? change : { ...change, after: { ...change.after, snapshot: renamed }, steps };
  });
}
