import { decodeSnapshotMeta } from "../../snapshots/meta.js";
import { looksLikeFrostName } from "../../snapshots/naming.js";
import type { ObservedSnapshot, SnapshotOverlay } from "../types.js";
import { parseFreezeStatus, parseNames } from "./command-output.js";
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

/**
 * A domain's snapshots: frost's (a name of frost's shape AND a description that decodes as its
 * record), oldest first, and how many others there are. Only names of frost's shape are read in
 * detail, so a domain with many foreign snapshots costs one listing.
 */
export async function observeSnapshots(virsh: Virsh, domain: string): Promise<{ snapshots: ObservedSnapshot[]; foreignSnapshots: number }> {
  // Parents before children: the order kept among snapshots of the same second.
  const names = parseNames(await virsh.run(["snapshot-list", "--domain", domain, "--name", "--topological"], undefined, domain));
  const snapshots: ObservedSnapshot[] = [];
  let foreignSnapshots = 0;
  for (const name of names) {
    const observed = looksLikeFrostName(name) ? await readFrostSnapshot(virsh, domain, name) : undefined;
    if (observed === null) continue;
    if (observed) snapshots.push(observed);
    else foreignSnapshots++;
  }
  return { snapshots: sortSnapshots(snapshots), foreignSnapshots };
}

/** The snapshot when it is frost's, undefined when not, null when it vanished meanwhile. */
async function readFrostSnapshot(virsh: Virsh, domain: string, name: string): Promise<ObservedSnapshot | undefined | null> {
  let doc: SnapshotDocument;
  try {
    doc = await readSnapshot(virsh, domain, name);
  } catch (e) {
    if (isSnapshotNotFound((e as Error).message)) return null;
    throw e;
  }
  return frostSnapshot(name, doc);
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
