import type { SnapshotDocument } from "./snapshot-xml.js";

/**
 * Why deleting `snapshot` ("it ...") could write where frost never writes, or undefined when it is safe.
 *
 * libvirt 9 deletes an external snapshot by committing its overlay (the file created when it was
 * taken) into the image below it — the image that was the domain's writable layer when the
 * snapshot was taken, which its `<domain>` definition names — and dropping the overlay. Measured on
 * the lab, for disk ← s1 ← s2: deleting s2 commits s2's overlay into s1's overlay; deleting s1 (or
 * the only snapshot) commits s1's overlay into the domain's own disk.
 *
 * That disk is the instance's own: writing into it is what removing a snapshot means. What frost
 * never writes into is an image below it (the image an instance is based on, its backing file):
 * libvirt's commit stops at the writable layer and never goes there, unlike a plain
 * `blockcommit --active` without `--shallow`. So a deletion is allowed where every commit lands in
 * the writable layer the snapshot was taken from: the parent snapshot's overlay when there is a
 * parent, else the disk the domain was defined with. Internal and memory snapshots are refused.
 * Judged from libvirt's own records, so it holds for remote hosts and shut-off domains alike.
 */
export function deletionRefusal(snapshot: SnapshotDocument, parent: SnapshotDocument | undefined): string | undefined {
  if (snapshot.memory !== undefined && snapshot.memory !== "no")
    return `it holds the guest's memory; frost deletes only disk-only snapshots`;
  const internal = snapshot.disks.filter((d) => d.snapshot === "internal");
  if (internal.length > 0) return `it is internal to ${internal.map((d) => d.name).join(", ")}; frost deletes only external snapshots`;
  const external = snapshot.disks.filter((d) => d.snapshot === "external");
  if (external.length === 0) return `it has no external disk snapshot; frost deletes only external snapshots`;
  if (!parent) {
    const missing = external.filter((d) => snapshot.domainDisks[d.name] === undefined).map((d) => d.name);
    if (missing.length > 0) return `libvirt does not name the image disk ${missing.join(", ")} would be committed into`;
    return undefined;
  }
  for (const disk of external) {
    const target = snapshot.domainDisks[disk.name];
    const parentOverlay = parent.disks.find((d) => d.name === disk.name && d.snapshot === "external")?.source;
    if (target === undefined || target !== parentOverlay) {
      return (
        `it would commit disk ${disk.name} into ${target ?? "an image libvirt does not name"}, ` +
        `which is not the overlay of its parent snapshot ${parent.name}; frost never writes below its own overlays`
      );
    }
  }
  return undefined;
}
