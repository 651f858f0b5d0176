/**
 * A create in progress. Before frost creates an instance's disk it creates an empty marker volume
 * `<volume>.frost-creating` in the pool, and removes it once the domain using that disk is
 * defined. A create that failed or was killed in between leaves the marker next to the disk: the
 * proof that this volume is what frost left of its own create, and the only ground on which frost
 * deletes an existing volume of an instance disk's name (when no domain uses it). Without the
 * marker, frost cannot tell its leftover from a volume someone else made, and never deletes it.
 */
export const CREATING_SUFFIX = ".frost-creating";

/** The marker of a create of `volume`. */
export function creatingMarker(volume: string): string {
  return `${volume}${CREATING_SUFFIX}`;
}

/** True when `volume`'s create did not finish: its marker is among the pool's volumes `names`. */
export function leftByFailedCreate(names: ReadonlySet<string> | readonly string[], volume: string): boolean {
  const marker = creatingMarker(volume);
  return "has" in names ? names.has(marker) : names.includes(marker);
}
