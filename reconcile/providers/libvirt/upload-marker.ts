/**
 * An upload in progress. Before frost streams an image into a new volume it creates an empty
 * marker volume `<volume>.frost-uploading`, and removes it once the upload is complete. A frost
 * run killed mid-upload leaves both: the volume is then incomplete, is not listed as present (so
 * the plan uploads it again), and the next upload replaces it. libvirt cannot rename volumes, so
 * the marker is how a half-written image never passes for a whole one.
 */
export const UPLOADING_SUFFIX = ".frost-uploading";

/** The marker of `volume`. */
export function uploadMarker(volume: string): string {
  return `${volume}${UPLOADING_SUFFIX}`;
}

/** The volumes that are complete: neither a marker nor a volume whose upload was interrupted. */
export function completeVolumes(names: readonly string[]): string[] {
  const all = new Set(names);
  return names.filter((n) => !n.endsWith(UPLOADING_SUFFIX) && !all.has(uploadMarker(n)));
}

/** True when `volume` is left over from an interrupted upload (its marker is still there). */
export function interruptedUpload(names: readonly string[], volume: string): boolean {
  return names.includes(uploadMarker(volume));
}
