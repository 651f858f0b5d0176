import { UserError } from "../diagnostics.js";
import type { Env, HostObservation, HostRef } from "../provider.js";
import { providerFor } from "../providers/registry.js";
import { collectFacts, compareFacts, touchedDomains } from "./facts.js";
import type { PlanFile } from "./plan-file.js";

/** The hosts of a saved plan, as its file records them (name, URI or label, kind). */
export function planFileHosts(file: PlanFile): Record<string, HostRef> {
  const hosts: Record<string, HostRef> = {};
  for (const [name, uri] of Object.entries(file.uris)) {
    const kind = file.kinds[name];
    if (kind === undefined)
      throw new UserError(`the plan file records no kind for host ${name}; make a new plan with: frost plan --out FILE`);
    hosts[name] = { name, uri, kind };
  }
  return hosts;
}

/**
 * Reads again, through each host's provider, exactly the objects the saved plan's steps rely on,
 * and says how each differs from what the plan recorded (nothing: the plan may be applied), or which
 * host could not be reached (nothing of the plan is applied then).
 */
export async function recheckSavedPlan(file: PlanFile, env: Env): Promise<{ differences: string[] } | { unreachable: string }> {
  const hosts = planFileHosts(file);
  const observations: Record<string, HostObservation> = {};
  for (const [name, objects] of touchedDomains(file.plan)) {
    const host = hosts[name];
    if (!host) throw new UserError(`the plan acts on host ${name}, which it does not record; make a new plan with: frost plan --out FILE`);
    try {
      observations[name] = { status: "observed", facts: await providerFor(host.kind).reobserve(host, objects, env) };
    } catch (e) {
      return { unreachable: `host ${name} (${host.uri}) is unreachable: ${(e as Error).message}; nothing was applied` };
    }
  }
  return { differences: compareFacts(file.facts, collectFacts(file.plan, observations)) };
}

/** Per host, the objects the saved plan thaws itself (its facts say they are frozen): recovery leaves them to it. */
export function thawedBy(file: PlanFile): (host: string) => ReadonlySet<string> {
  const thaws = { ...file.plan, changes: file.plan.changes.filter((c) => c.action === "thaw") };
  const touched = touchedDomains(thaws);
  return (host) => new Set(touched.get(host) ?? []);
}
