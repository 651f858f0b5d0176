import { nameProblem } from "../../config/names.js";
import type { AdoptedDomain, AdoptionResult, SkippedDomain } from "../../import/adoption.js";
import type { ObservedDomain, ObservedHost } from "./hypervisor.js";

/** Options of an import: names already declared in a configuration are skipped. */
export interface AdoptOptions {
  declared: ReadonlySet<string>;
}

/**
 * Decides how to declare each observed domain so that planning it right after gives no change.
 * Pure. Skips declared names, names frost refuses (they would fail validation) and transient
 * domains (no persistent definition: nothing frost manages would survive their next stop).
 */
export function adoptDomains(host: ObservedHost, options: AdoptOptions): AdoptionResult {
  const adopted: AdoptedDomain[] = [];
  const skipped: SkippedDomain[] = [];
  for (const domain of Object.values(host.domains).sort((a, b) => a.name.localeCompare(b.name))) {
    const why = nameProblem(domain.name);
    if (options.declared.has(domain.name)) skipped.push({ name: domain.name, reason: "already declared in the configuration" });
    else if (why !== undefined) skipped.push({ name: domain.name, reason: `its name ${why}` });
    else if (!domain.persistent) skipped.push({ name: domain.name, reason: "transient domain (no persistent definition)" });
    else adopted.push(adoptOne(domain));
  }
  return { adopted, skipped };
}

/**
 * `agent: true` when the persistent definition has the channel and the running domain would not
 * get it hot-plugged; `false` when neither has it. Otherwise (a channel only in the running domain,
 * or only in the definition of a running domain that could take it live) either value would plan a
 * change, so the channel is left unmanaged.
 */
function adoptOne(domain: ObservedDomain): AdoptedDomain {
  const inDefinition = domain.persistent?.agentChannel !== undefined;
  const live = domain.live;
  if (inDefinition && (!live || live.agentChannel || !live.virtioSerialController)) return { name: domain.name, agent: true };
  if (!inDefinition && !live?.agentChannel) return { name: domain.name, agent: false };
  return {
    name: domain.name,
    note: inDefinition
      ? "the agent channel is in the persistent definition but not in the running domain; agent: is left unset (true would hot-plug it, false would remove it)"
      : "the agent channel is in the running domain only; agent: is left unset (true would add it to the persistent definition, false would unplug it)",
  };
}
