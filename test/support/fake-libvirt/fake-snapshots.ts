import { decodeSnapshotMeta } from "../../../reconcile/providers/libvirt/snapshots/meta.js";
import { looksLikeFrostName } from "../../../reconcile/snapshots/naming.js";
import { HypervisorError, type ObservedSnapshot } from "../../../reconcile/providers/libvirt/hypervisor.js";
import { wholeSecondsNow } from "./fake-agent.js";
import type { FakeDomain, FakeSnapshot } from "./fake-domain.js";

/**
 * Adds a snapshot as the newest, child of the current one, and makes it current (libvirt's chain).
 * Like libvirt's external snapshot, it puts an overlay on the domain's disk (next to the image the
 * disk wrote to, named after the snapshot), which the disk then writes to.
 */
export function addSnapshot(d: FakeDomain, snapshot: { name: string; description?: string; createdAt?: string }): void {
  if (d.snapshots?.some((s) => s.name === snapshot.name)) {
    // What libvirt says first for frost's snapshots: the overlay of that name, next to the disk, is there.
    throw new HypervisorError(
      `unsupported configuration: external snapshot file for disk vda already exists and is not a block device: /fake/${d.name}/vda.${snapshot.name}`,
      "createSnapshot",
      d.name,
    );
  }
  const overlay =
    d.source !== undefined
      ? { target: "vda", overlay: `${d.source.replace(/\.[^./]*$/, "")}.${snapshot.name}`, below: d.source }
      : undefined;
  (d.snapshots ??= []).push({
    name: snapshot.name,
    createdAt: snapshot.createdAt ?? wholeSecondsNow(),
    ...(snapshot.description !== undefined ? { description: snapshot.description } : {}),
    ...(d.currentSnapshot ? { parent: d.currentSnapshot } : {}),
    ...(overlay ? { overlay } : {}),
  });
  d.currentSnapshot = snapshot.name;
  if (overlay) d.source = overlay.overlay;
}

/** The snapshot named `name`, or libvirt's not-found error. */
export function findSnapshot(d: FakeDomain, name: string, operation: string): FakeSnapshot {
  const snapshot = d.snapshots?.find((s) => s.name === name);
  if (!snapshot) throw new HypervisorError(`Domain snapshot not found: no domain snapshot with matching name '${name}'`, operation, d.name);
  return snapshot;
}

/**
 * frost's snapshots (frost's name shape and record, as the libvirt driver reads them), oldest
 * first, and the names of the others, parents before children (as libvirt lists them).
 */
export function observeSnapshots(d: FakeDomain): { snapshots: ObservedSnapshot[]; foreignSnapshots: string[] } {
  const snapshots: ObservedSnapshot[] = [];
  const foreignSnapshots: string[] = [];
  for (const s of d.snapshots ?? []) {
    const meta = looksLikeFrostName(s.name) ? decodeSnapshotMeta(s.description) : undefined;
    if (meta)
      snapshots.push({
        name: s.name,
        createdAt: s.createdAt,
        meta: structuredClone(meta),
        ...(s.overlay ? { overlays: [{ ...s.overlay }] } : {}),
      });
    else foreignSnapshots.push(s.name);
  }
  snapshots.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return { snapshots, foreignSnapshots };
}

/**
 * Deletes one of frost's snapshots under the libvirt driver's rules: never one without a frost
 * record; the oldest of a chain is merged into the domain's own disk, as libvirt does. Its children
 * move to its parent (none for the oldest), which becomes current if it was. Its overlay is
 * committed into the image below it: what was on top of the overlay (a child's, or the domain's
 * disk) now sits on that image.
 */
export function deleteSnapshot(d: FakeDomain, name: string): void {
  const snapshot = findSnapshot(d, name, "snapshot-dumpxml");
  const refuse = (why: string) =>
    new HypervisorError(`refusing to delete snapshot ${name} of ${d.name}: ${why}`, "snapshot-delete", d.name);
  if (!decodeSnapshotMeta(snapshot.description)) {
    throw refuse("its description is not a frost record, and frost never touches snapshots it did not take");
  }
  for (const s of d.snapshots ?? []) {
    if (s.parent !== name) continue;
    if (snapshot.parent === undefined) delete s.parent;
    else s.parent = snapshot.parent;
  }
  if (d.currentSnapshot === name) d.currentSnapshot = snapshot.parent;
  const overlay = snapshot.overlay;
  if (overlay) {
    for (const s of d.snapshots ?? []) if (s.overlay?.below === overlay.overlay) s.overlay.below = overlay.below;
    if (d.source === overlay.overlay) d.source = overlay.below;
  }
  d.snapshots = (d.snapshots ?? []).filter((s) => s !== snapshot);
}
