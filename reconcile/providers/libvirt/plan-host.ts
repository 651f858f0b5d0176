import type { DesiredState, HostSpec, InstanceSpec } from "../../config/types.js";
import type { Diagnostic } from "../../diagnostics.js";
import type { ImageObservation } from "../../images/image-facts.js";
import { instanceAddress } from "../../model.js";
import type { HostPlanPart } from "../../provider.js";
import { scheduleInstances } from "../../snapshots/quiesce-policy.js";
import type { LibvirtFacts } from "./facts.js";
import type { FrostRecord } from "./frost-record.js";
import type { ObservedDomain } from "./hypervisor.js";
import { planAgentChannel } from "./plan/agent-channel.js";
import { wantsAgent } from "../../config/derived.js";
import { planHostAppArmor } from "./plan/apparmor.js";
import { hostDisks } from "./plan/disk-usage.js";
import { planDrift } from "./plan/drift.js";
import { effectiveHooks, planFsfreezeHooks } from "./plan/fsfreeze-hooks.js";
import { planStorage } from "./plan/images.js";
import { planCreate, planExisting, planRemoved, type LifecycleContext } from "./plan/instances.js";
import { planSchedule } from "./plan/schedules.js";
import { planThaw } from "./plan/thaw.js";
import type { LibvirtStep } from "./steps.js";

/**
 * Plans one libvirt host: its AppArmor rule, its pool and images, then per declared instance (a
 * domain to create, or the existing one: drift, thaw, lifecycle, agent channel, fsfreeze hooks,
 * schedules), in the order apply needs them (a hook must be in place before the snapshot that should
 * run it), then the domains frost created and no longer declares. Pure.
 */
export function planLibvirtHost(
  host: HostSpec,
  desired: DesiredState,
  observation: LibvirtFacts,
  options: { now: Date; images: Record<string, ImageObservation> },
): HostPlanPart {
  const now = options.now;
  const out: HostPlanPart = { changes: [], drift: [], remarks: [], kept: [], diagnostics: [] };
  const { changes, drift, remarks, kept, diagnostics } = out;
  const apparmor = planHostAppArmor(host, observation.apparmor);
  if (apparmor.change) changes.push(apparmor.change);
  remarks.push(...apparmor.remarks);
  diagnostics.push(...apparmor.diagnostics);
  const storage = planStorage(host, desired, observation.pool, options.images);
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
  return out;
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
function recordStep(domain: ObservedDomain, update: FrostRecord): LibvirtStep {
  return {
    kind: "write-record",
    domain: domain.name,
    record: { ...domain.definition?.record, ...update },
    target: { live: false, config: true },
  };
}
