import type { ObservedDomain } from "../providers/libvirt/hypervisor.js";
import type { Address, Plan, Step } from "../model.js";
import { isOpenStackStep } from "../providers/openstack/steps-model.js";
import type { HostObservation } from "../plan/plan.js";
import { stepDomains } from "../providers/libvirt/step-domains.js";

/**
 * What a saved plan relied on about one domain: everything its changes read when they were
 * planned. Applying a saved plan re-observes these and refuses when any differs.
 */
export interface DomainFacts {
  exists: boolean;
  state?: string;
  liveChannel?: boolean | null;
  liveAlias?: string | null;
  liveController?: boolean | null;
  persistentChannel?: boolean;
  freeze?: string | null;
  snapshots?: string[];
}

/** The facts of one observed domain (or of one that does not exist). */
export function domainFacts(domain: ObservedDomain | undefined): DomainFacts {
  if (!domain) return { exists: false };
  return {
    exists: true,
    state: domain.state,
    liveChannel: domain.live ? domain.live.agentChannel !== undefined : null,
    liveAlias: domain.live?.agentChannel?.alias ?? null,
    liveController: domain.live ? domain.live.virtioSerialController : null,
    persistentChannel: domain.persistent?.agentChannel !== undefined,
    freeze: domain.freeze ?? null,
    snapshots: domain.snapshots.map((s) => s.name).sort(),
  };
}

/** host name -> the domains the plan's steps act on. */
export function touchedDomains(plan: Plan): Map<string, string[]> {
  const touched = new Map<string, Set<string>>();
  for (const change of plan.changes) {
    // An OpenStack step checks what it relied on against the cloud itself, before acting; its host has no domains to re-read.
    if (change.steps.every(isOpenStackStep)) continue;
    const set = touched.get(change.host) ?? new Set<string>();
    // An AppArmor step carries its own check: apply refuses unless the file still has the planned digest.
    for (const step of change.steps) for (const domain of stepDomains(step)) set.add(domain);
    touched.set(change.host, set);
  }
  return new Map([...touched].map(([h, s]) => [h, [...s].sort()]));
}

/** host -> domain -> facts, for the domains a plan touches. */
export type PlanFacts = Record<string, Record<string, DomainFacts>>;

/** Collects the facts of every domain the plan touches from the observations it was made from. */
export function collectFacts(plan: Plan, observations: Record<string, HostObservation>): PlanFacts {
  const facts: PlanFacts = {};
  for (const [host, domains] of touchedDomains(plan)) {
    const o = observations[host];
    facts[host] = Object.fromEntries(domains.map((d) => [d, domainFacts(o?.status === "observed" ? o.host.domains[d] : undefined)]));
  }
  return facts;
}

/** A step of a saved plan that acts on a domain about which the plan file records no facts. */
export interface UnrecordedStep {
  host: string;
  address: Address;
  domain: string;
  step: Step;
}

/**
 * The steps that act on a domain for which `facts` has no entry. A saved plan records facts for
 * every domain its steps act on; one that lacks some was trimmed or emptied, and applying it would
 * act on a domain nobody checked, so apply refuses it rather than skipping the check.
 */
export function unrecordedSteps(plan: Plan, facts: PlanFacts): UnrecordedStep[] {
  const out: UnrecordedStep[] = [];
  for (const change of plan.changes) {
    const recorded = Object.hasOwn(facts, change.host) ? facts[change.host] : undefined;
    for (const step of change.steps) {
      for (const domain of stepDomains(step)) {
        if (!recorded || !Object.hasOwn(recorded, domain)) out.push({ host: change.host, address: change.address, domain, step });
      }
    }
  }
  return out;
}

/** Human-readable differences between the facts a plan was made from and the facts now. */
export function compareFacts(saved: PlanFacts, now: PlanFacts): string[] {
  const differences: string[] = [];
  for (const [host, domains] of Object.entries(saved)) {
    for (const [domain, before] of Object.entries(domains)) {
      const after = now[host]?.[domain] ?? { exists: false };
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof DomainFacts>) {
        const b = JSON.stringify(before[key]);
        const a = JSON.stringify(after[key]);
        if (a !== b) differences.push(`${domain} on ${host}: ${key} was ${b ?? "unset"}, is now ${a ?? "unset"}`);
      }
    }
  }
  return differences;
}
