import type { DesiredState, HostSpec, InstanceSpec } from "../../../config/types.js";
import type { Diagnostic } from "../../../diagnostics.js";
import type { ObservedDomain, ObservedSnapshot } from "../../libvirt/hypervisor.js";
import type { Change, KeptSnapshot, Remark, Step } from "../../../model.js";
import { scheduleInstances } from "../../../snapshots/quiesce-policy.js";
import { planSchedule } from "../../libvirt/plan/schedules.js";
import { FROST_VERSION } from "../../../version.js";
import type { GlanceImage, NovaServer } from "../cloud.js";
import { readSnapshotRecord } from "../markers.js";
import type { OpenStackFacts } from "../observe.js";
import { serverAddress } from "./addresses.js";
import { agentCheckOf, bootProperties, novaSnapshotStep } from "./snapshot-step.js";
import { acceptedReason, uncheckedQuiesce, whyUnchecked } from "./unchecked-quiesce.js";

export interface NovaSnapshotPlan {
  changes: Change[];
  remarks: Remark[];
  kept: KeptSnapshot[];
  diagnostics: Diagnostic[];
}

/** frost's snapshot images of one server (taken of this very server: a server of the same name recreated has others). */
export function frostSnapshotsOf(images: readonly GlanceImage[], instance: string, serverId: string): GlanceImage[] {
  return images.filter((g) => readSnapshotRecord(g.properties)?.instance === instance && g.properties["instance_uuid"] === serverId);
}

/**
 * Plans the schedules of one server as on libvirt (due-ness from the newest snapshot frost took,
 * restic retention), from frost's snapshot images in Glance: the same rules, the same code. A
 * snapshot becomes a `createImage` through Nova; a prune deletes one of frost's snapshot images.
 * Where frost can reach the compute host, the agent is pinged before Nova is asked, so that a
 * required quiesce is never silently skipped (Nova snapshots without freezing when the agent is
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
  const { domain, ids } = serverAsDomain(instance.name, server, facts);
  const compute = facts.compute[instance.name];
  const agentCheck = agentCheckOf(server, facts, instance.name);
  const boot = bootProperties(server, facts, instance.name);
  const unchecked: string[] = [];

  for (const schedule of Object.values(desired.schedules)) {
    if (schedule.paused || !scheduleInstances(schedule, desired).includes(instance)) continue;
    const planned = planSchedule(host.name, schedule, instance, domain, desired, now);
    for (const change of planned.changes) {
      const steps: Step[] = [];
      const notes = [...change.notes];
      let reason = change.reason;
      for (const step of change.steps) {
        if (step.kind === "take-snapshot") {
          const required = step.request.quiesce === "required";
          if (required && boot?.agent === false) {
            notes.push(
              "the server booted without hw_qemu_guest_agent, so Nova cannot quiesce it: this snapshot will be refused (rebuild the server)",
            );
          }
          if (required && !agentCheck) {
            if (!host.trustNovaQuiesce) {
              unchecked.push(`@${schedule.name}`);
              continue;
            }
            reason = acceptedReason(reason, host.trustNovaQuiesce.key);
            notes.push(
              `frost cannot check the agent first (${whyUnchecked(compute)}); Nova snapshots without freezing when the agent is disconnected`,
            );
          }
          steps.push(novaSnapshotStep(host, instance.name, server, facts, step.request));
        } else if (step.kind === "delete-snapshot") {
          const imageId = ids.get(step.name);
          if (imageId)
            steps.push({ kind: "openstack-delete-snapshot", server: instance.name, serverId: server.id, imageId, imageName: step.name });
        }
      }
      const snapshot = steps.find((s) => s.kind === "openstack-snapshot");
      const after = snapshot?.kind === "openstack-snapshot" ? { snapshot: snapshot.imageName } : change.after;
      if (steps.length > 0) out.changes.push({ ...change, address, reason, after, steps, notes });
    }
    out.remarks.push(...planned.remarks.map((r) => ({ ...r, address })));
    out.kept.push(...planned.kept.map((k) => ({ ...k, address })));
  }
  if (unchecked.length > 0) out.diagnostics.push(uncheckedQuiesce(host, instance, server, compute, unchecked.join(", ")));
  return out;
}

/**
 * A server seen as frost sees a libvirt domain: its power state, its agent (where the compute host
 * was reached), and frost's snapshot images of it as snapshots (name → image id in `ids`). The
 * schedule rules and `frost status` then read it like any domain.
 */
export function serverAsDomain(
  instance: string,
  server: NovaServer,
  facts: OpenStackFacts,
): { domain: ObservedDomain; ids: Map<string, string> } {
  const ids = new Map<string, string>();
  const snapshots: ObservedSnapshot[] = [];
  for (const g of frostSnapshotsOf(facts.images, instance, server.id).filter((i) => i.status === "active")) {
    const r = readSnapshotRecord(g.properties);
    if (!r || ids.has(g.name)) continue;
    ids.set(g.name, g.id);
    snapshots.push({
      name: g.name,
      createdAt: g.createdAt,
      meta: {
        ...(r.schedule !== undefined ? { schedule: r.schedule } : {}),
        ...(r.scheduledAt !== undefined ? { scheduledAt: r.scheduledAt } : {}),
        takenAt: r.takenAt,
        consistency: r.consistency === "filesystem" ? "filesystem" : "crash",
        quiesce: r.quiesce,
        frozenFilesystems: 0,
        frostVersion: FROST_VERSION,
      },
    });
  }
  snapshots.sort((a, b) => (a.meta?.takenAt ?? a.createdAt).localeCompare(b.meta?.takenAt ?? b.createdAt));
  const compute = facts.compute[instance];
  const seen = compute?.status === "observed" ? compute.domain : undefined;
  const domain: ObservedDomain = {
    name: instance,
    state: server.status === "ACTIVE" ? "running" : server.status === "SHUTOFF" ? "shutoff" : "other",
    ...(seen?.live ? { live: seen.live } : {}),
    ...(seen?.persistent ? { persistent: seen.persistent } : {}),
    agent: seen ? seen.agent : { status: "not-checked" },
    ...(seen?.freeze ? { freeze: seen.freeze } : {}),
    snapshots,
    foreignSnapshots: [],
  };
  return { domain, ids };
}
