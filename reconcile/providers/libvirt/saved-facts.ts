import type { LibvirtFacts } from "./facts.js";
import type { ObservedDomain } from "./hypervisor.js";

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

/** The facts of domain `name` in a libvirt host's observation. */
export function factsOfDomain(facts: LibvirtFacts, name: string): DomainFacts {
  return domainFacts(facts.host.domains[name]);
}
