import type { Clock } from "../clock.js";
import type { DesiredState, InstanceSpec } from "../config/types.js";
import type { Diagnostic } from "../diagnostics.js";
import type { ObservedHost } from "../hypervisor/types.js";
import type { Change, HostPlan, KeptSnapshot, Plan, Remark } from "../model.js";
import { planAgentChannel, wantsAgent } from "./agent-channel.js";
import { planHostAppArmor, type AppArmorFacts } from "./apparmor.js";
import { notYetManaged } from "./not-yet-managed.js";
import { scheduleInstances } from "./quiesce-policy.js";
import { planSchedule } from "./snapshots.js";
import { planThaw, type JournalFact } from "./thaw.js";

/** One host's observation (with frost's freeze journal for it), or why there is none. */
export type HostObservation =
  { status: "observed"; host: ObservedHost; journal: JournalFact[]; apparmor?: AppArmorFacts } | { status: "unreachable"; error: string };

/** Options of planning. */
export interface PlanOptions {
  clock: Clock;
}

/**
 * Computes the plan: what must change on each host for it to match the configuration. Pure: it
 * reads only its arguments (the clock included) and performs no I/O. An unreachable host is
 * reported in `hosts` and contributes no changes; the others are planned as usual. Per instance,
 * changes come in the order apply needs them: thaw, agent channel, snapshot, prunes.
 */
export function plan(desired: DesiredState, observations: Record<string, HostObservation>, options: PlanOptions): Plan {
  const now = options.clock.now();
  const changes: Change[] = [];
  const remarks: Remark[] = [];
  const kept: KeptSnapshot[] = [];
  const diagnostics: Diagnostic[] = notYetManaged(desired);
  const hosts: HostPlan[] = [];

  for (const host of Object.values(desired.hosts)) {
    const observation = observations[host.name];
    if (!observation || observation.status === "unreachable") {
      hosts.push({ name: host.name, uri: host.uri, status: "unreachable", error: observation?.error ?? "not observed" });
      continue;
    }
    hosts.push({ name: host.name, uri: host.uri, status: "observed" });
    const apparmor = planHostAppArmor(host, observation.apparmor);
    if (apparmor.change) changes.push(apparmor.change);
    remarks.push(...apparmor.remarks);
    diagnostics.push(...apparmor.diagnostics);
    const instances = Object.values(desired.instances).filter((i) => i.host === host.name);
    for (const instance of instances) {
      const domain = observation.host.domains[instance.name];
      if (!domain) {
        diagnostics.push(missingDomain(instance, host.name, host.uri));
        continue;
      }
      const journal = observation.journal.find((j) => j.entry.domain === instance.name);
      const thaw = planThaw(host.name, instance.name, domain, journal);
      if (thaw.change) changes.push(thaw.change);
      if (thaw.remark) remarks.push(thaw.remark);

      const want = wantsAgent(instance, desired);
      let hotPlugged = false;
      if (want !== undefined) {
        const channel = planAgentChannel(host.name, instance, want, domain);
        if (channel.change) changes.push(channel.change);
        if (channel.remark) remarks.push(channel.remark);
        const step = channel.change?.steps[0];
        hotPlugged = step?.kind === "attach-agent-channel" && step.target.live;
      }

      for (const schedule of Object.values(desired.schedules)) {
        if (schedule.paused || !scheduleInstances(schedule, desired).includes(instance)) continue;
        const planned = planSchedule(host.name, schedule, instance, domain, desired, now, hotPlugged);
        changes.push(...planned.changes);
        remarks.push(...planned.remarks);
        kept.push(...planned.kept);
      }
    }
  }

  const errored = diagnostics.some((d) => d.severity === "error");
  return {
    formatVersion: 1,
    createdAt: now.toISOString(),
    hosts,
    changes,
    drift: [],
    remarks,
    kept,
    diagnostics,
    errored,
    applyable: !errored && changes.length > 0,
  };
}

/** An instance whose domain does not exist: an error for an adopted one, never a silent create. */
function missingDomain(instance: InstanceSpec, host: string, uri: string): Diagnostic {
  if (instance.adopt) {
    return {
      severity: "error",
      code: "plan.adopt-missing",
      summary: `instance ${instance.name} is declared with adopt: true, but host ${host} (${uri}) has no domain named ${instance.name}`,
      detail: `Check the name with: virsh -c ${uri} list --all. frost never creates a domain it was asked to adopt.`,
      pos: instance.pos,
      source: "user",
    };
  }
  return {
    severity: "error",
    code: "plan.create-unavailable",
    summary: `instance ${instance.name} does not exist on host ${host} (${uri}), and this version of frost cannot create instances from images yet`,
    detail: `Create the domain first, then declare it with adopt: true.`,
    pos: instance.pos,
    source: "user",
  };
}
