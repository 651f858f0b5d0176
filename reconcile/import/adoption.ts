/**
 * One domain `frost import` declares with `adopt: true`. `agent` is the value under which the
 * planner proposes no change to the channel; it is absent when no value would (the running domain
 * and its persistent definition disagree), and `note` then says why.
 */
export interface AdoptedDomain {
  name: string;
  agent?: boolean;
  note?: string;
}

/** A domain left out of an import, and why. */
export interface SkippedDomain {
  name: string;
  reason: string;
}

/** What `adoptDomains` decided, sorted by name. */
export interface AdoptionResult {
  adopted: AdoptedDomain[];
  skipped: SkippedDomain[];
}
