/**
 * libvirt's flag words from named options: `flagWord({ live: 1, config: 2 }, ["config"])` is 2.
 * Callers name what they want; the numbers stay beside the procedures they belong to.
 */
export function flagWord<K extends string>(bits: Readonly<Record<K, number>>, wanted: readonly K[] = []): number {
  let word = 0;
  for (const name of wanted) word |= bits[name];
  return word >>> 0;
}

/** `virDomainModificationImpact`: the running domain, its persistent definition, or both. */
export const IMPACT = { live: 1, config: 2 } as const;
export type Impact = keyof typeof IMPACT;
