import type { DesiredState } from "../config/types.js";
import type { HostObservation } from "../provider.js";
import { providerFor } from "../providers/registry.js";
import { scheduleInstances } from "../snapshots/quiesce-policy.js";
import { cronPeriodMs } from "../snapshots/schedule.js";
import { worst, type ScheduleStatus, type Severity, type StatusReport } from "./status-model.js";

export type { InstanceStatus, ReadinessStatus, ScheduleStatus, Severity, StatusReport } from "./status-model.js";

/**
 * Builds the status report from what was observed. Pure. Each instance's status comes from its
 * host's provider (an instance missing, frozen, its agent silent where wanted, its agent's
 * readiness); a schedule is `late` when its newest snapshot is older than one cron period plus a
 * grace of a tenth of it (warn), `missing` when older than two periods or when there is none
 * (crit). An unreachable host is crit.
 */
export function buildStatus(desired: DesiredState, observations: Record<string, HostObservation>, now: Date): StatusReport {
  const report: StatusReport = { hosts: [], instances: [], schedules: [], severity: "ok" };
  for (const host of Object.values(desired.hosts)) {
    const o = observations[host.name];
    if (o?.status !== "observed") {
      report.hosts.push({
        name: host.name,
        uri: host.uri,
        reachable: false,
        error: o?.status === "unreachable" ? o.error : "not observed",
      });
      report.severity = "crit";
      continue;
    }
    report.hosts.push({ name: host.name, uri: host.uri, reachable: true });
    const reports = providerFor(host.kind).status(host, desired, o.facts);
    for (const { status, snapshots } of reports) {
      report.instances.push(status);
      const instance = desired.instances[status.instance];
      if (!instance) continue;
      for (const schedule of Object.values(desired.schedules)) {
        if (!scheduleInstances(schedule, desired).includes(instance)) continue;
        const periodMs = cronPeriodMs(schedule.cron, schedule.timezone, now);
        const newest = snapshots
          .filter((s) => s.schedule === schedule.name)
          .map((s) => new Date(s.takenAt ?? s.createdAt))
          .sort((a, b) => b.getTime() - a.getTime())[0];
        const ageMs = newest ? now.getTime() - newest.getTime() : undefined;
        const verdict: ScheduleStatus["verdict"] = schedule.paused
          ? "paused"
          : ageMs === undefined || ageMs > 2 * periodMs
            ? "missing"
            : ageMs > periodMs * 1.1
              ? "late"
              : "ok";
        const severity: Severity = verdict === "missing" ? "crit" : verdict === "late" ? "warn" : "ok";
        report.schedules.push({
          host: host.name,
          schedule: schedule.name,
          instance: instance.name,
          severity,
          periodMs,
          verdict,
          ...(newest ? { newest: newest.toISOString(), ageMs } : {}),
        });
      }
    }
  }
  report.severity = worst(report.severity, ...report.instances.map((i) => i.severity), ...report.schedules.map((s) => s.severity));
  return report;
}
