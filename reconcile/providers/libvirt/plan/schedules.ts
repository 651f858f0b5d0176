import type { DesiredState, InstanceSpec, ScheduleSpec } from "../../../config/types.js";
import type { ObservedDomain, ObservedSnapshot } from "../hypervisor.js";
import { instanceAddress, type Change, type KeptSnapshot, type Remark } from "../../../model.js";
import { freeSnapshotName, namesInUse, scheduledSnapshotName } from "../../../snapshots/naming.js";
import { applyRetention, type RetentionItem } from "../../../snapshots/retention.js";
import { dueTick } from "../../../snapshots/schedule.js";
import { effectiveQuiesce } from "../../../snapshots/quiesce-policy.js";

/** What planning one schedule on one instance gave. */
export interface SchedulePlan {
  changes: Change[];
  remarks: Remark[];
  kept: KeptSnapshot[];
}

/** `2026-11-25 02:00 UTC` */
export function displayTime(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * Plans one schedule on one instance: a snapshot when the schedule is due (from the newest
 * snapshot frost took for it, read from the hypervisor, and the cron expression: one catch-up
 * after downtime, never one per missed tick), and the pruning of what retention no longer keeps.
 * Only snapshots frost took for this schedule are considered; the newest is never pruned.
 */
export function planSchedule(
  host: string,
  schedule: ScheduleSpec,
  instance: InstanceSpec,
  domain: ObservedDomain,
  desired: DesiredState,
  now: Date,
  channelHotPlugged = false,
): SchedulePlan {
  const address = instanceAddress(instance.name);
  const out: SchedulePlan = { changes: [], remarks: [], kept: [] };
  const mine = domain.snapshots.filter((s) => s.meta?.schedule === schedule.name);
  const newest = newestScheduled(mine);
  const due = dueTick(schedule.cron, schedule.timezone, newest, now);
  const quiesce = effectiveQuiesce(instance, desired, schedule);

  let planned: RetentionItem<ObservedSnapshot | undefined> | undefined;
  if (due) {
    if (domain.state !== "running") {
      out.remarks.push({
        host,
        address,
        message: `@${schedule.name} is due since ${displayTime(due.scheduledAt)}, but the domain is ${domain.state}: no snapshot until it runs`,
      });
    } else {
      // The tick's name may be taken already, by a snapshot frost did not take (an operator's
      // `virsh snapshot-create-as D nightly-20261125T0200Z`). libvirt refuses a second snapshot of
      // one name, so the schedule would fail at every run; a plan error instead would stop every
      // other change on every host until someone removed a snapshot frost must never touch. So
      // the snapshot takes the next free name (`…-2`): due-ness and retention read the schedule
      // and tick from frost's record in it, never from its name, and the name still tells both.
      const wanted = scheduledSnapshotName(schedule.name, due.scheduledAt);
      const name = freeSnapshotName(wanted, namesInUse(domain));
      const renamed = name === wanted ? [] : [`${wanted} is taken by another snapshot of this domain; this one is named ${name}`];
      const missed = due.missedTicks > 1 ? `, ${due.missedTicks} ticks missed: one catch-up snapshot` : "";
      const silent = domain.agent.status !== "ok" && domain.agent.status !== "not-checked";
      const quiesceNotes =
        quiesce !== "required" || !silent
          ? []
          : channelHotPlugged
            ? [
                "the agent channel is hot-plugged first in this apply; the snapshot needs the agent to answer by then, as quiesce is required",
              ]
            : [`the guest agent does not answer (${domain.agent.status}): this snapshot will fail, as quiesce is required`];
      out.changes.push({
        host,
        address,
        action: "snapshot",
        before: {},
        after: { snapshot: name },
        reason: `@${schedule.name} (due since ${displayTime(due.scheduledAt)}${missed}; quiesce ${quiesce})`,
        steps: [
          {
            kind: "take-snapshot",
            domain: domain.name,
            request: { name, schedule: schedule.name, scheduledAt: due.scheduledAt.toISOString(), quiesce },
          },
        ],
        notes: [...renamed, ...quiesceNotes],
      });
      planned = { id: name, time: due.scheduledAt, value: undefined };
    }
  }

  const items: RetentionItem<ObservedSnapshot | undefined>[] = mine.map((s) => ({ id: s.name, time: scheduledTime(s), value: s }));
  if (planned) items.push(planned);
  const { keep, remove } = applyRetention(items, schedule.keep, { timezone: schedule.timezone, now });
  const newestId = [...items].sort((a, b) => b.time.getTime() - a.time.getTime())[0]?.id;
  for (const k of keep) {
    if (k.item.value) out.kept.push({ host, address, schedule: schedule.name, name: k.item.id, reasons: k.reasons });
  }
  for (const r of [...remove].reverse()) {
    if (!r.item.value || r.item.id === newestId) continue;
    out.changes.push({
      host,
      address,
      action: "prune",
      before: { snapshot: r.item.id },
      after: {},
      reason: `${r.item.id} (retention: not kept by ${describeKeep(schedule)})`,
      steps: [{ kind: "delete-snapshot", domain: domain.name, name: r.item.id }],
      notes: [],
    });
  }
  return out;
}

/** When a frost snapshot counts as taken for retention and due-ness: its tick, else when it was taken. */
function scheduledTime(s: ObservedSnapshot): Date {
  return new Date(s.meta?.scheduledAt ?? s.meta?.takenAt ?? s.createdAt);
}

function newestScheduled(snapshots: readonly ObservedSnapshot[]): Date | undefined {
  let newest: Date | undefined;
  for (const s of snapshots) {
    const t = scheduledTime(s);
    if (!newest || t > newest) newest = t;
  }
  return newest;
}

/** `last=3, daily=7` */
export function describeKeep(schedule: ScheduleSpec): string {
  return Object.entries(schedule.keep)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}
