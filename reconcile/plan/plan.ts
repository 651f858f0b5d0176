import type { Clock } from "../clock.js";
import type { DesiredState, InstanceSpec } from "../config/types.js";
import type { Diagnostic } from "../diagnostics.js";
import type { DomainDefinition, ObservedDomain, ObservedHost, ObservedPool } from "../providers/libvirt/hypervisor.js";
import type { FrostRecord } from "../providers/libvirt/frost-record.js";
import { instanceAddress, type Change, type HostPlan, type KeptSnapshot, type Plan, type Remark, type Step } from "../model.js";
import { planAgentChannel, wantsAgent } from "../providers/libvirt/plan/agent-channel.js";
import { planDrift } from "../providers/libvirt/plan/drift.js";
import { effectiveHooks, planFsfreezeHooks, type GuestFacts } from "../providers/libvirt/plan/fsfreeze-hooks.js";
import { planHostAppArmor, type AppArmorFacts } from "../providers/libvirt/plan/apparmor.js";
import { hostDisks } from "../providers/libvirt/plan/disk-usage.js";
import { planStorage } from "../providers/libvirt/plan/images.js";
import { planCreate, planExisting, planRemoved, type LifecycleContext } from "../providers/libvirt/plan/instances.js";
import type { ImageObservation } from "../images/image-facts.js";
import { scheduleInstances } from "../snapshots/quiesce-policy.js";
import { planSchedule } from "../providers/libvirt/plan/schedules.js";
import { planThaw, type JournalFact } from "../providers/libvirt/plan/thaw.js";
import type { OpenStackFacts } from "../providers/openstack/observe.js";
import { planOpenStackHost } from "../providers/openstack/plan/plan-host.js";

/**
 * One host's observation (with frost's freeze journal for it), or why there is none. `guests`: per
 * instance name, its agent readiness and hook sources, where observation gathered them.
 */
export type HostObservation =
  | {
      status: "observed";
      host: ObservedHost;
      journal: JournalFact[];
      apparmor?: AppArmorFacts;
      guests?: Record<string, GuestFacts>;
      /** The host's pool (host.pool), where images are declared; absent when it does not exist. */
      pool?: ObservedPool;
      /**
       * Memory, vcpus, frost's record, UUID and disks of every domain on the host (to find what frost
       * created and is no longer declared, and which volumes are in use), with the live disks of the
       * running ones not read in detail.
       */
      definitions?: Record<string, DomainDefinition>;
      /** An OpenStack host's Glance images, Nova servers and compute-side facts (kind: openstack). */
      openstack?: OpenStackFacts;
    }
  | { status: "unreachable"; error: string };

/** Options of planning. */
export interface PlanOptions {
  clock: Clock;
  /** The images' source files as read on this machine (digest, size, format); needed when images are declared. */
  images?: Record<string, ImageObservation>;
}

/**
 * Computes the plan: what must change on each host for it to match the configuration. Pure: it
 * reads only its arguments (the clock included) and performs no I/O. An unreachable host is
 * reported in `hosts` and contributes no changes; the others are planned as usual. Per instance,
 * changes come in the order apply needs them: thaw, agent channel, fsfreeze hooks, snapshot, prunes
 * (a hook must be in place before the snapshot that should run it).
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
    if (host.kind === "openstack") {
      if (!observation.openstack) throw new Error(`host ${host.name} is an OpenStack host but was observed as a libvirt host`);
      const planned = planOpenStackHost(host, desired, observation.openstack, { now, images: options.images ?? {} });
      changes.push(...planned.changes);
      drift.push(...planned.drift);
      remarks.push(...planned.remarks);
      kept.push(...planned.kept);
      diagnostics.push(...planned.diagnostics);
      continue;
    }
    const apparmor = planHostAppArmor(host, observation.apparmor);
    if (apparmor.change) changes.push(apparmor.change);
    remarks.push(...apparmor.remarks);
    diagnostics.push(...apparmor.diagnostics);
    const storage = planStorage(host, desired, observation.pool, options.images ?? {});
    changes.push(...storage.changes);
    diagnostics.push(...storage.diagnostics);
    remarks.push(...storage.remarks);
    const definitions = observation.definitions ?? {};
    const ctx: LifecycleContext = { desired, storage, disks: hostDisks(host, observation.host, definitions, observation.pool), now };
    const instances = Object.values(desired.instances).filter((i) => i.host === host.name);
    for (const instance of instances) {
      const domain = observation.host.domains[instance.name];
      const unreadable = observation.host.unreadable?.[instance.name];
      if (unreadable !== undefined) {
        // Listed, but libvirt would not let frost read it: neither missing nor known, so nothing is planned for it.
        remarks.push({
          host: host.name,
          address: instanceAddress(instance.name),
          message: `the domain could not be read (${unreadable}); nothing is planned for it`,
        });
        continue;
      }
      if (!domain) {
        if (instance.adopt) diagnostics.push(missingDomain(instance, host.name, host.uri));
        else {
          const created = planCreate(host, instance, ctx);
          changes.push(...created.changes);
          diagnostics.push(...created.diagnostics);
        }
        continue;
      }
      for (const problem of domain.problems ?? [])
        remarks.push({ host: host.name, address: instanceAddress(instance.name), message: problem });
      const changedOutside = planDrift(host.name, domain);
      if (changedOutside) drift.push(changedOutside);
      const journal = observation.journal.find((j) => j.entry.domain === instance.name);
      const thaw = planThaw(host.name, instance.name, domain, journal);
      if (thaw.change) changes.push(thaw.change);
      if (thaw.remark) remarks.push(thaw.remark);

      const lifecycle = planExisting(host, instance, domain, ctx);
      diagnostics.push(...lifecycle.diagnostics);
      if (lifecycle.replaced) {
        changes.push(...lifecycle.changes); // recreated: its channel and snapshots are planned on the next run
        continue;
      }
      const want = wantsAgent(instance, desired);
      let hotPlugged = false;
      if (want !== undefined) {
        const channel = planAgentChannel(host.name, instance, want, domain);
        // What frost applies it records in the domain, so that a later change outside frost shows as drift.
        channel.change?.steps.push(recordStep(domain, { agent: want }));
        if (channel.change) changes.push(channel.change);
        if (channel.remark) remarks.push(channel.remark);
        const step = channel.change?.steps[0];
        hotPlugged = step?.kind === "attach-agent-channel" && step.target.live;
      }
      changes.push(...lifecycle.changes);

      const hooks = planFsfreezeHooks(host.name, instance, effectiveHooks(instance, desired), domain, observation.guests?.[instance.name]);
      changes.push(...hooks.changes);
      remarks.push(...hooks.remarks);
      diagnostics.push(...hooks.diagnostics);

      for (const schedule of Object.values(desired.schedules)) {
        if (schedule.paused || !scheduleInstances(schedule, desired).includes(instance)) continue;
        const planned = planSchedule(host.name, schedule, instance, domain, desired, now, hotPlugged);
        changes.push(...planned.changes);
        remarks.push(...planned.remarks);
        kept.push(...planned.kept);
      }
    }
    // A domain frost created and no longer declares, that could not be read, is never destroyed blind.
    const unread = Object.entries(observation.host.unreadable ?? {}).filter(([name]) => desired.instances[name] === undefined);
    for (const [name, error] of unread) {
      remarks.push({
        host: host.name,
        address: instanceAddress(name),
        message: `the domain could not be read (${error}); it is left as it is`,
      });
    }
    const readable = Object.entries(definitions).filter(([name]) => !unread.some(([n]) => n === name));
    const removed = planRemoved(host, ctx, Object.fromEntries(readable), observation.host.domains);
    changes.push(...removed.changes);
    diagnostics.push(...removed.diagnostics);
    remarks.push(...(removed.remarks ?? []));
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

/** An adopted instance whose domain does not exist: an error, never a silent create. */
function missingDomain(instance: InstanceSpec, host: string, uri: string): Diagnostic {
  return {
    severity: "error",
    code: "plan.adopt-missing",
    summary: `instance ${instance.name} is declared with adopt: true, but host ${host} (${uri}) has no domain named ${instance.name}`,
    detail: `Check the name with: virsh -c ${uri} list --all. frost never creates a domain it was asked to adopt.`,
    pos: instance.pos,
    source: "user",
  };
}

/** The step that stores frost's record (`update` over what is recorded) in the persistent definition. */
function recordStep(domain: ObservedDomain, update: FrostRecord): Step {
  return {
    kind: "write-record",
    domain: domain.name,
    record: { ...domain.definition?.record, ...update },
    target: { live: false, config: true },
  };
}
