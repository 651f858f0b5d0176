import { posix } from "node:path";
import type { DiskLayer, DiskUse, SnapshotOverlay } from "./hypervisor.js";

/** A volume as frost looks for it among domains' disks: its pool, its name and, where known, its path. */
export interface VolumeRef {
  pool: string;
  volume: string;
  /** Where the volume's file is (`<pool directory>/<volume>`); undefined when the pool's directory is unknown. */
  path?: string;
}

/**
 * What one domain uses, as far as frost can see it: its persistent definition's disks (with the
 * chains libvirt records there, see DiskUse); where it runs, its live disks with their whole
 * backing chains; and, for a domain read in detail, the overlays frost's own snapshots put on its
 * disks, which link an overlay to the image below it from frost's own records.
 */
export interface DomainDiskUse {
  name: string;
  persistent: DiskUse[];
  live?: DiskUse[];
  frostOverlays?: SnapshotOverlay[];
}

/** A domain that uses a volume, and through which disk. */
export interface VolumeUser {
  domain: string;
  target: string;
}

/** The path of `volume` in a pool whose directory is `poolPath`. */
export function volumePath(poolPath: string | undefined, volume: string): string | undefined {
  return poolPath === undefined ? undefined : posix.join(poolPath, volume);
}

/** True when `layer` is the volume `ref`: by pool and name, or by path. */
export function isVolume(layer: DiskLayer, ref: VolumeRef): boolean {
  if ("volume" in layer) return layer.pool === ref.pool && layer.volume === ref.volume;
  return ref.path !== undefined && posix.normalize(layer.file) === posix.normalize(ref.path);
}

/**
 * The disks through which `domain` writes to `ref`: the image on top of the disk is `ref`, or every
 * image above `ref` is an overlay of one of frost's own snapshots (which a destroy deletes first,
 * committing them into `ref`). An image above it that frost did not put there (another tool's
 * snapshot, a copy's overlay) does not count: that image depends on `ref` too.
 */
export function writesTo(domain: DomainDiskUse, ref: VolumeRef): string[] {
  const targets = new Set<string>();
  for (const disk of [...domain.persistent, ...(domain.live ?? [])]) {
    let layer = disk.layers[0];
    for (let hops = 0; layer && hops <= (domain.frostOverlays?.length ?? 0); hops++) {
      if (isVolume(layer, ref)) {
        targets.add(disk.target);
        break;
      }
      const file = "file" in layer ? posix.normalize(layer.file) : undefined;
      const overlay = domain.frostOverlays?.find((o) => o.target === disk.target && posix.normalize(o.overlay) === file);
      layer = overlay ? { file: overlay.below } : undefined;
    }
  }
  return [...targets].sort();
}

/** The disks of `domain` that use `ref` in any way: as an image on top, anywhere in a backing chain the definitions list, or below frost's overlays. */
export function uses(domain: DomainDiskUse, ref: VolumeRef): string[] {
  const targets = new Set(writesTo(domain, ref));
  for (const disk of [...domain.persistent, ...(domain.live ?? [])]) {
    if (disk.layers.some((l) => isVolume(l, ref))) targets.add(disk.target);
  }
  return [...targets].sort();
}

/** The domains (but `except`) that use `ref`, one entry per domain, sorted by name. */
export function volumeUsers(domains: readonly DomainDiskUse[], ref: VolumeRef, except?: string): VolumeUser[] {
  return domains
    .filter((d) => d.name !== except)
    .flatMap((d) => {
      const target = uses(d, ref)[0];
      return target !== undefined ? [{ domain: d.name, target }] : [];
    })
    .sort((a, b) => a.domain.localeCompare(b.domain));
}

/** `domain web-old` / `domains a (vda), b (vdb)`: who uses a volume, for messages. */
export function describeUsers(users: readonly VolumeUser[]): string {
  const names = users.map((u) => `${u.domain} (its disk ${u.target})`);
  return `${users.length === 1 ? "domain" : "domains"} ${names.join(", ")}`;
}

/** Why a volume deletion is refused at apply time. */
export function inUseMessage(ref: VolumeRef, users: readonly VolumeUser[]): string {
  return (
    `refusing to delete volume ${ref.volume} in pool ${ref.pool}: ${describeUsers(users)} ${users.length === 1 ? "uses" : "use"} it; ` +
    `frost never deletes a disk in use (the host changed since the plan was made? run frost plan again)`
  );
}
