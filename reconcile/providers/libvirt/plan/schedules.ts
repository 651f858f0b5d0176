import type { DesiredState, InstanceSpec, ScheduleSpec } from "../../../config/types.js";
import { instanceAddress, type KeptSnapshot, type Remark } from "../../../model.js";
import type { LibvirtChange } from "../steps.js";
import { namesInUse } from "../../../snapshots/naming.js";
import { decideSchedule, type SnapshotFact } from "../../../snapshots/schedule-plan.js";
import type { ObservedDomain, ObservedSnapshot } from "../hypervisor.js";

/** What planning one schedule on one instance gave. */
export interface SchedulePlan {
  changes: LibvirtChange[];
  remarks: Remark[];
  kept: KeptSnapshot[];
}

/** A libvirt snapshot of frost's, as the schedule rules see it. */
export function snapshotFact(s: ObservedSnapshot): SnapshotFact {
  return {
    name: s.name,
    createdAt: s.createdAt,
    ...(s.meta?.schedule !== undefined ? { schedule: s.meta.schedule } : {}),
    ...(s.meta?.scheduledAt !== undefined ? { scheduledAt: s.meta.scheduledAt } : {}),
    ...(s.meta?.takenAt !== undefined ? { takenAt: s.meta.takenAt } : {}),
  };
}

/**
 * Plans one schedule on one domain with the neutral rules (snapshots/schedule-plan.ts): a snapshot
 * of the domain when due (a note where the agent cannot be expected to answer a required quiesce),
 * and the deletion of each snapshot retention no longer keeps.
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
  const decision = decideSchedule(
    schedule,
    instance,
    desired,
    {
      running: domain.state === "running",
      state: domain.state,
      snapshots: domain.snapshots.map(snapshotFact),
      namesInUse: namesInUse(domain),
    },
    now,
  );
  if (decision.waiting) out.remarks.push({ host, address, message: decision.waiting });
  const take = decision.take;
  if (take) {
    const silent = domain.agent.status !== "ok" && domain.agent.status !== "not-checked";
    const quiesceNotes =
      take.quiesce !== "required" || !silent
        ? []
        : channelHotPlugged
          ? ["the agent channel is hot-plugged first in this apply; the snapshot needs the agent to answer by then, as quiesce is required"]
          : [`the guest agent does not answer (${domain.agent.status}): this snapshot will fail, as quiesce is required`];
    out.changes.push({
      host,
      address,
      action: "snapshot",
      before: {},
      after: { snapshot: take.name },
      reason: take.reason,
      steps: [
        {
          kind: "take-snapshot",
          domain: domain.name,
          request: { name: take.name, schedule: schedule.name, scheduledAt: take.scheduledAt.toISOString(), quiesce: take.quiesce },
        },
      ],
      notes: [...take.notes, ...quiesceNotes],
    });
  }
  for (const k of decision.kept) out.kept.push({ host, address, schedule: schedule.name, name: k.name, reasons: k.reasons });
  for (const p of decision.prune) {
    out.changes.push({
      host,
      address,
      action: "prune",
      before: { snapshot: p.name },
      after: {},
      reason: p.reason,
      steps: [{ kind: "delete-snapshot", domain: domain.name, name: p.name }],
      notes: [],
    });
  }
  return out;
}
