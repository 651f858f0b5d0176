import type { Address, Plan, Step } from "../model.js";
import type { HostObservation, Provider } from "../provider.js";
import { providerOfStep } from "../providers/registry.js";

/** What a saved plan relied on about one object (a domain), as its provider reads it: compared key by key. */
export type ObjectFacts = Record<string, unknown>;

/** The objects (domains) a step relies on, as its provider says; none for a step no provider knows. */
function touchedBy(step: Step): string[] {
  return providerOfStep(step)?.touches(step) ?? [];
}

/**
 * host name -> the objects (domains) the plan's steps act on, sorted. Steps that check what they
 * rely on themselves (an OpenStack step against the cloud, an AppArmor step against the file's
 * digest) touch none.
 */
export function touchedDomains(plan: Plan): Map<string, string[]> {
  const touched = new Map<string, Set<string>>();
  for (const change of plan.changes) {
    const objects = change.steps.flatMap(touchedBy);
    if (objects.length === 0) continue;
    const set = touched.get(change.host) ?? new Set<string>();
    for (const object of objects) set.add(object);
    touched.set(change.host, set);
  }
  return new Map([...touched].map(([h, s]) => [h, [...s].sort()]));
}

/** host -> object -> facts, for the objects a plan touches. */
export type PlanFacts = Record<string, Record<string, ObjectFacts>>;

/** Collects the facts of every object the plan touches from the observations it was made from (read by each host's provider). */
export function collectFacts(plan: Plan, observations: Record<string, HostObservation>): PlanFacts {
  const providers = new Map<string, Provider>();
  for (const change of plan.changes) {
    const owner = change.steps.map(providerOfStep).find((p) => p !== undefined);
    if (owner) providers.set(change.host, owner);
  }
  const facts: PlanFacts = {};
  for (const [host, objects] of touchedDomains(plan)) {
    const o = observations[host];
    const provider = providers.get(host);
    facts[host] = Object.fromEntries(
      objects.map((d) => [d, o?.status === "observed" && provider ? provider.factsOf(o.facts, d) : { exists: false }]),
    );
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
      for (const domain of touchedBy(step)) {
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
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
        const b = JSON.stringify(before[key]);
        const a = JSON.stringify(after[key]);
        if (a !== b) differences.push(`${domain} on ${host}: ${key} was ${b ?? "unset"}, is now ${a ?? "unset"}`);
      }
    }
  }
  return differences;
}
