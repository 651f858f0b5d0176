import type { Clock } from "../clock.js";
import type { DesiredState, InstanceSpec } from "../config/types.js";
import type { Diagnostic } from "../diagnostics.js";
import type { ObservedHost } from "../hypervisor/types.js";
import type { Change, HostPlan, Plan, Remark } from "../model.js";
import { planAgentChannel, wantsAgent } from "./agent-channel.js";
import { notYetManaged } from "./not-yet-managed.js";

/** One host's observation, or why there is none. */
export type HostObservation = { status: "observed"; host: ObservedHost } | { status: "unreachable"; error: string };

/** Options of planning. */
export interface PlanOptions {
  clock: Clock;
}

/**
 * Computes the plan: what must change on each host for it to match the configuration. Pure: it
 * reads only its arguments (the clock included) and performs no I/O. An unreachable host is
 * reported in `hosts` and contributes no changes; the others are planned as usual.
 */
export function plan(desired: DesiredState, observations: Record<string, HostObservation>, options: PlanOptions): Plan {
  const changes: Change[] = [];
  const remarks: Remark[] = [];
  const diagnostics: Diagnostic[] = notYetManaged(desired);
  const hosts: HostPlan[] = [];

  for (const host of Object.values(desired.hosts)) {
    const observation = observations[host.name];
    if (!observation || observation.status === "unreachable") {
      hosts.push({ name: host.name, uri: host.uri, status: "unreachable", error: observation?.error ?? "not observed" });
      continue;
    }
    hosts.push({ name: host.name, uri: host.uri, status: "observed" });
    const instances = Object.values(desired.instances).filter((i) => i.host === host.name);
    for (const instance of instances) {
      const domain = observation.host.domains[instance.name];
      if (!domain) {
        diagnostics.push(missingDomain(instance, host.name, host.uri));
        continue;
      }
      const want = wantsAgent(instance, desired);
      if (want === undefined) continue;
      const result = planAgentChannel(host.name, instance, want, domain);
      if (result.change) changes.push(result.change);
      if (result.remark) remarks.push(result.remark);
    }
  }

  const errored = diagnostics.some((d) => d.severity === "error");
  return {
    formatVersion: 1,
    createdAt: options.clock.now().toISOString(),
    hosts,
    changes,
    drift: [],
    remarks,
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
