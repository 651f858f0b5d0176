import type { DesiredState, InstanceSpec, QuiescePolicy, ScheduleSpec } from "../config/types.js";
import type { Diagnostic } from "../diagnostics.js";
import type { Change, Plan } from "../model.js";
import type { HostObservation } from "../provider.js";
import { providerFor } from "../providers/registry.js";
import { compactUtc } from "../snapshots/naming.js";
import { adhocPlan } from "./adhoc.js";

/** One snapshot asked for now: of `instance`, under `quiesce` (already resolved against the instance's own rules). */
export interface SnapshotNow {
  instance: InstanceSpec;
  quiesce: QuiescePolicy;
}

/**
 * `frost snapshot`: the plan of a snapshot of each instance now (counted as one of `schedule`'s when
 * given), each made by its host's provider — or the diagnostics (at the instances) of why some
 * cannot be taken, or the error that stops it at once (a host unreachable, a domain missing).
 * Planned from observations made under the host locks, so that the names chosen are free.
 */
export function planSnapshotsNow(
  desired: DesiredState,
  observations: Record<string, HostObservation>,
  wanted: readonly SnapshotNow[],
  options: { now: Date; schedule?: ScheduleSpec },
): { plan: Plan } | { diagnostics: Diagnostic[] } | { error: string } {
  const { now, schedule } = options;
  const changes: Change[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { instance, quiesce } of wanted) {
    const o = observations[instance.host];
    const host = desired.hosts[instance.host];
    if (o?.status !== "observed" || !host) {
      return { error: `host ${instance.host} is unreachable: ${o?.status === "unreachable" ? o.error : "not observed"}` };
    }
    const request = {
      name: `${schedule?.name ?? "ondemand"}-${compactUtc(now, true)}`,
      quiesce,
      ...(schedule ? { schedule: schedule.name, scheduledAt: now.toISOString() } : {}),
    };
    const reason = `${schedule ? `@${schedule.name} ` : ""}(on demand; quiesce ${quiesce})`;
    const planned = providerFor(host.kind).snapshotNow(host, instance, o.facts, request, reason);
    if ("error" in planned) return { error: planned.error };
    if ("diagnostic" in planned) diagnostics.push(planned.diagnostic);
    else changes.push(planned.change);
  }
  if (diagnostics.length > 0) return { diagnostics };
  return { plan: adhocPlan(now, observations, uris(desired), changes) };
}

/**
 * `frost thaw`: the plan that thaws each named instance found frozen, whoever froze it (each host's
 * provider decides; a cloud's servers are left to the cloud). Instances of unreachable hosts are
 * left out: the plan shows their hosts as unreachable.
 */
export function planThawsNow(
  desired: DesiredState,
  observations: Record<string, HostObservation>,
  names: readonly string[],
  now: Date,
): Plan {
  const changes: Change[] = [];
  for (const name of names) {
    const instance = desired.instances[name];
    const host = instance ? desired.hosts[instance.host] : undefined;
    const o = instance ? observations[instance.host] : undefined;
    if (!instance || !host || o?.status !== "observed") continue;
    const change = providerFor(host.kind).thawNow?.(host, instance, o.facts);
    if (change) changes.push(change);
  }
  return adhocPlan(now, observations, uris(desired), changes);
}

/** The part of a configuration `frost thaw` acts on: the hosts whose provider freezes guests itself (and so thaws them). */
export function thawable(desired: DesiredState): DesiredState {
  return {
    ...desired,
    hosts: Object.fromEntries(Object.entries(desired.hosts).filter(([, h]) => providerFor(h.kind).thawNow !== undefined)),
  };
}

function uris(desired: DesiredState): Record<string, string> {
  return Object.fromEntries(Object.values(desired.hosts).map((h) => [h.name, h.uri]));
}
