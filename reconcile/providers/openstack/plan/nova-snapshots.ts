import type { DesiredState, HostSpec, InstanceSpec } from "../../../config/types.js";
import type { Diagnostic } from "../../../diagnostics.js";
import type { KeptSnapshot, Remark } from "../../../model.js";
import type { OpenStackChange } from "../steps-model.js";
import { scheduleInstances } from "../../../snapshots/quiesce-policy.js";
import { decideSchedule, type SnapshotFact } from "../../../snapshots/schedule-plan.js";
import type { GlanceImage, NovaServer } from "../cloud.js";
import { readSnapshotRecord } from "../markers.js";
import type { OpenStackFacts } from "../observe.js";
import { serverAddress } from "./addresses.js";
import { agentCheckOf, bootProperties, novaSnapshotStep } from "./snapshot-step.js";
import { acceptedReason, uncheckedQuiesce, whyUnchecked } from "./unchecked-quiesce.js";

export interface NovaSnapshotPlan {
  changes: OpenStackChange[];
  remarks: Remark[];
  kept: KeptSnapshot[];
  diagnostics: Diagnostic[];
}

/** frost's snapshot images of one server (taken of this very server: a server of the same name recreated has others). */
export function frostSnapshotsOf(images: readonly GlanceImage[], instance: string, serverId: string): GlanceImage[] {
  return images.filter((g) => readSnapshotRecord(g.properties)?.instance === instance && g.properties["instance_uuid"] === serverId);
}

/**
 * Plans the schedules of one server with the rules every provider shares (due-ness from the newest
 * snapshot frost took, restic retention: snapshots/schedule-plan.ts), from frost's snapshot images
 * in Glance. A snapshot becomes a `createImage` through Nova; a prune deletes one of frost's snapshot
 * images. Where frost can reach the compute host, the agent is pinged before Nova is asked, so that
 * a required quiesce is never silently skipped (Nova snapshots without freezing when the agent is
 * disconnected). Where it cannot, a snapshot whose quiesce is required is an error at the instance,
 * unless the host accepts Nova's own enforcement (`trustNovaQuiesce`), which its line then names. Pure.
 */
export function planNovaSnapshots(
  host: HostSpec,
  instance: InstanceSpec,
  server: NovaServer,
  desired: DesiredState,
  facts: OpenStackFacts,
  now: Date,
): NovaSnapshotPlan {
  const out: NovaSnapshotPlan = { changes: [], remarks: [], kept: [], diagnostics: [] };
  const address = serverAddress(instance.name);
  const { snapshots, ids } = frostSnapshotFacts(instance.name, server, facts);
  const compute = facts.compute[instance.name];
  const agent = compute?.status === "observed" ? compute.domain.agent.status : "not-checked";
  const agentCheck = agentCheckOf(server, facts, instance.name);
  const boot = bootProperties(server, facts, instance.name);
  const state = serverState(server);
  const unchecked: string[] = [];

  for (const schedule of Object.values(desired.schedules)) {
    if (schedule.paused || !scheduleInstances(schedule, desired).includes(instance)) continue;
    const decision = decideSchedule(
      schedule,
      instance,
      desired,
      { running: state === "running", state, snapshots, namesInUse: snapshots.map((s) => s.name) },
      now,
    );
    if (decision.waiting) out.remarks.push({ host: host.name, address, message: decision.waiting });
    const take = decision.take;
    if (take) {
      const required = take.quiesce === "required";
      const notes = [...take.notes];
      if (required && agent !== "ok" && agent !== "not-checked") {
        notes.push(`the guest agent does not answer (${agent}): this snapshot will fail, as quiesce is required`);
      }
      if (required && boot?.agent === false) {
        notes.push(
          "the server booted without hw_qemu_guest_agent, so Nova cannot quiesce it: this snapshot will be refused (rebuild the server)",
        );
      }
      let reason = take.reason;
      let blocked = false;
      if (required && !agentCheck) {
        if (!host.trustNovaQuiesce) {
          unchecked.push(`@${schedule.name}`);
          blocked = true;
        } else {
          reason = acceptedReason(reason, host.trustNovaQuiesce.key);
          notes.push(
            `frost cannot check the agent first (${whyUnchecked(compute)}); Nova snapshots without freezing when the agent is disconnected`,
          );
        }
      }
      if (!blocked) {
        const request = { name: take.name, schedule: schedule.name, scheduledAt: take.scheduledAt.toISOString(), quiesce: take.quiesce };
        const step = novaSnapshotStep(host, instance.name, server, facts, request);
        out.changes.push({
          host: host.name,
          address,
          action: "snapshot",
          before: {},
          after: { snapshot: step.imageName },
          reason,
          steps: [step],
          notes,
        });
      }
    }
    for (const p of decision.prune) {
      const imageId = ids.get(p.name);
      if (!imageId) continue;
      out.changes.push({
        host: host.name,
        address,
        action: "prune",
        before: { snapshot: p.name },
        after: {},
        reason: p.reason,
        steps: [{ kind: "openstack-delete-snapshot", server: instance.name, serverId: server.id, imageId, imageName: p.name }],
        notes: [],
      });
    }
    for (const k of decision.kept) out.kept.push({ host: host.name, address, schedule: schedule.name, name: k.name, reasons: k.reasons });
  }
  if (unchecked.length > 0) out.diagnostics.push(uncheckedQuiesce(host, instance, server, compute, unchecked.join(", ")));
  return out;
}

/** A server's power state in the words frost uses of an instance. */
export function serverState(server: NovaServer): "running" | "shutoff" | "other" {
  return server.status === "ACTIVE" ? "running" : server.status === "SHUTOFF" ? "shutoff" : "other";
}

/**
 * frost's snapshot images of one server as the schedule rules see snapshots (oldest first), and the
 * image id of each by name.
 */
export function frostSnapshotFacts(
  instance: string,
  server: NovaServer,
  facts: OpenStackFacts,
): { snapshots: SnapshotFact[]; ids: Map<string, string> } {
  const ids = new Map<string, string>();
  const snapshots: SnapshotFact[] = [];
  for (const g of frostSnapshotsOf(facts.images, instance, server.id).filter((i) => i.status === "active")) {
    const r = readSnapshotRecord(g.properties);
    if (!r || ids.has(g.name)) continue;
    ids.set(g.name, g.id);
    snapshots.push({
      name: g.name,
      createdAt: g.createdAt,
      ...(r.schedule !== undefined ? { schedule: r.schedule } : {}),
      ...(r.scheduledAt !== undefined ? { scheduledAt: r.scheduledAt } : {}),
      takenAt: r.takenAt,
    });
  }
  snapshots.sort((a, b) => (a.takenAt ?? a.createdAt).localeCompare(b.takenAt ?? b.createdAt));
  return { snapshots, ids };
}
