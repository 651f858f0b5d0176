import { decodeSnapshotMeta } from "../snapshots/meta.js";
import type { ObservedSnapshot, SnapshotOverlay } from "../hypervisor.js";
import { parseFreezeStatus } from "./command-output.js";
import { parseSnapshotXml, type SnapshotDocument } from "./snapshot-xml.js";
import type { Virsh } from "./virsh.js";

/** A snapshot removed between the listing and its dumpxml is simply gone. */
export function isSnapshotNotFound(message: string): boolean {
  return /Domain snapshot not found|no domain snapshot with matching name/i.test(message);
}

/** `snapshot-dumpxml` of one snapshot, read. */
export async function readSnapshot(virsh: Virsh, domain: string, name: string): Promise<SnapshotDocument> {
  return parseSnapshotXml(await virsh.run(["snapshot-dumpxml", "--domain", domain, "--snapshotname", name], undefined, domain));
}

/** The snapshot as observed when its description is frost's record; undefined when it is not frost's. */
export function frostSnapshot(name: string, doc: SnapshotDocument): ObservedSnapshot | undefined {
  const meta = decodeSnapshotMeta(doc.description);
  if (!meta) return undefined;
  const createdAt = doc.creationTime !== undefined ? new Date(doc.creationTime * 1000).toISOString() : meta.takenAt;
  const overlays = snapshotOverlays(doc);
  return { name, createdAt, meta, ...(overlays.length > 0 ? { overlays } : {}) };
}

/** Per external disk of a snapshot, its overlay and the image below it (the domain's disk when it was taken), where libvirt names both. */
function snapshotOverlays(doc: SnapshotDocument): SnapshotOverlay[] {
  return doc.disks.flatMap((d) => {
    const below = doc.domainDisks[d.name];
    return d.snapshot === "external" && d.source !== undefined && below !== undefined ? [{ target: d.name, overlay: d.source, below }] : [];
  });
}

/** frost's snapshots oldest first (the sort is stable: parents stay before children of the same second). */
export function sortSnapshots(snapshots: ObservedSnapshot[]): ObservedSnapshot[] {
  return snapshots.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * guest-fsfreeze-status, with `timeoutMs` as a hard deadline (a hung agent blocks libvirt ~5 s).
 * Undefined when the agent did not say: a failed read is not a state.
 */
export async function readFreezeStatus(virsh: Virsh, domain: string, timeoutMs: number): Promise<"frozen" | "thawed" | undefined> {
  const seconds = String(Math.max(1, Math.min(2, Math.floor(timeoutMs / 1000))));
  const result = await virsh.exec(
    ["qemu-agent-command", "--domain", domain, "--timeout", seconds, '{"execute":"guest-fsfreeze-status"}'],
    timeoutMs,
  );
  return result.code === 0 && !result.timedOut ? parseFreezeStatus(result.stdout) : undefined;
}
