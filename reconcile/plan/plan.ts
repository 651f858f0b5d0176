import type { Clock } from "../clock.js";
import type { DesiredState } from "../config/types.js";
import type { Diagnostic } from "../diagnostics.js";
import type { ImageObservation } from "../images/image-facts.js";
import type { Change, HostPlan, KeptSnapshot, Plan, Remark } from "../model.js";
import type { HostObservation } from "../provider.js";
import { providerFor } from "../providers/registry.js";

export type { HostObservation } from "../provider.js";

/** Options of planning. */
export interface PlanOptions {
  clock: Clock;
  /** The images' source files as read on this machine (digest, size, format); needed when images are declared. */
  images?: Record<string, ImageObservation>;
}

/**
 * Computes the plan: what must change on each host for it to match the configuration. Pure: it
 * reads only its arguments (the clock included) and performs no I/O. Each observed host is planned
 * by its provider (in the order apply needs its changes); an unreachable host is reported in
 * `hosts` and contributes no changes.
 */
export function plan(desired: DesiredState, observations: Record<string, HostObservation>, options: PlanOptions): Plan {
  const now = options.clock.now();
  const changes: Change[] = [];
  const drift: Change[] = [];
  const remarks: Remark[] = [];
  const kept: KeptSnapshot[] = [];
  const diagnostics: Diagnostic[] = [];
  const hosts: HostPlan[] = [];

  for (const host of Object.values(desired.hosts)) {
    const observation = observations[host.name];
    if (!observation || observation.status === "unreachable") {
      hosts.push({ name: host.name, uri: host.uri, status: "unreachable", error: observation?.error ?? "not observed" });
      continue;
    }
    hosts.push({ name: host.name, uri: host.uri, status: "observed" });
    const planned = providerFor(host.kind).plan(host, desired, observation.facts, { now, images: options.images ?? {} });
    changes.push(...planned.changes);
    drift.push(...planned.drift);
    remarks.push(...planned.remarks);
    kept.push(...planned.kept);
    diagnostics.push(...planned.diagnostics);
  }

  const errored = diagnostics.some((d) => d.severity === "error");
  return {
    formatVersion: 1,
    createdAt: now.toISOString(),
    hosts,
    changes,
    drift,
    remarks,
    kept,
    diagnostics,
    errored,
    applyable: !errored && changes.length > 0,
  };
}
