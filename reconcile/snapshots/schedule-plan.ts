import type { DesiredState, InstanceSpec, QuiescePolicy, ScheduleSpec } from "../config/types.js";
import { freeSnapshotName, scheduledSnapshotName } from "./naming.js";
import { effectiveQuiesce } from "./quiesce-policy.js";
import { applyRetention, type RetentionItem } from "./retention.js";
import { dueTick } from "./schedule.js";

/**
 * One snapshot frost took, as the schedule rules see it whatever the provider (a libvirt snapshot
 * with frost's record in its description, a Glance image with frost's record in its properties):
 * its name, when the provider says it was made, and frost's record of it.
 */
export interface SnapshotFact {
  name: string;
  createdAt: string;
  schedule?: string;
  scheduledAt?: string;
  takenAt?: string;
}

/**
 * What one schedule wants of one instance now: a snapshot to take (`take`: its free name, the tick it
 * stands for, the reason and any note to show), or a remark that one is due but cannot be taken
 * (`waiting`: the instance does not run); the snapshots retention prunes (`prune`, in the order they
 * go) and those it keeps, with the rules that keep them (`kept`).
 */
export interface ScheduleDecision {
  take?: { name: string; scheduledAt: Date; quiesce: QuiescePolicy; reason: string; notes: string[] };
  waiting?: string;
  prune: { name: string; reason: string }[];
  kept: { name: string; reasons: string[] }[];
}

/** What the rules need to know of the instance: whether it runs, and every snapshot name it has. */
export interface ScheduleSubject {
  running: boolean;
  /** What the instance is, when it does not run (`shutoff`): for the remark. */
  state: string;
  snapshots: readonly SnapshotFact[];
  namesInUse: readonly string[];
}

/** `2026-11-25 02:00 UTC` */
export function displayTime(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * The rules of one schedule on one instance, the same for every provider. Due-ness comes from the
 * newest snapshot frost took for it and the cron expression: one catch-up after downtime, never one
 * per missed tick. Retention (restic's rules) runs over frost's snapshots of this schedule, the one
 * about to be taken included; the newest is never pruned. Pure.
 */
export function decideSchedule(
  schedule: ScheduleSpec,
  instance: InstanceSpec,
  desired: DesiredState,
  subject: ScheduleSubject,
  now: Date,
): ScheduleDecision {
  const out: ScheduleDecision = { prune: [], kept: [] };
  const mine = subject.snapshots.filter((s) => s.schedule === schedule.name);
  const due = dueTick(schedule.cron, schedule.timezone, newestScheduled(mine), now);
  const quiesce = effectiveQuiesce(instance, desired, schedule);

  let planned: RetentionItem<SnapshotFact | undefined> | undefined;
  if (due) {
    if (!subject.running) {
      out.waiting = `@${schedule.name} is due since ${displayTime(due.scheduledAt)}, but the domain is ${subject.state}: no snapshot until it runs`;
    } else {
      // The tick's name may be taken already, by a snapshot frost did not take (an operator's
      // `virsh snapshot-create-as D nightly-20261125T0200Z`). libvirt refuses a second snapshot of
      // one name, so the schedule would fail at every run; a plan error instead would stop every
      // other change on every host until someone removed a snapshot frost must never touch. So
      // the snapshot takes the next free name (`…-2`): due-ness and retention read the schedule
      // and tick from frost's record in it, never from its name, and the name still tells both.
      const wanted = scheduledSnapshotName(schedule.name, due.scheduledAt);
      const name = freeSnapshotName(wanted, subject.namesInUse);
      const missed = due.missedTicks > 1 ? `, ${due.missedTicks} ticks missed: one catch-up snapshot` : "";
      out.take = {
        name,
        scheduledAt: due.scheduledAt,
        quiesce,
        reason: `@${schedule.name} (due since ${displayTime(due.scheduledAt)}${missed}; quiesce ${quiesce})`,
        notes: name === wanted ? [] : [`${wanted} is taken by another snapshot of this domain; this one is named ${name}`],
      };
      planned = { id: name, time: due.scheduledAt, value: undefined };
    }
  }

  const items: RetentionItem<SnapshotFact | undefined>[] = mine.map((s) => ({ id: s.name, time: scheduledTime(s), value: s }));
  if (planned) items.push(planned);
  const { keep, remove } = applyRetention(items, schedule.keep, { timezone: schedule.timezone, now });
  const newestId = [...items].sort((a, b) => b.time.getTime() - a.time.getTime())[0]?.id;
  for (const k of keep) if (k.item.value) out.kept.push({ name: k.item.id, reasons: k.reasons });
  for (const r of [...remove].reverse()) {
    if (!r.item.value || r.item.id === newestId) continue;
    out.prune.push({ name: r.item.id, reason: `${r.item.id} (retention: not kept by ${describeKeep(schedule)})` });
  }
  return out;
}

/** When a frost snapshot counts as taken for retention and due-ness: its tick, else when it was taken. */
function scheduledTime(s: SnapshotFact): Date {
  return new Date(s.scheduledAt ?? s.takenAt ?? s.createdAt);
}

function newestScheduled(snapshots: readonly SnapshotFact[]): Date | undefined {
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
