import type { HostSpec } from "../../../config/types.js";
import { volumePath, type DomainDiskUse, type VolumeRef } from "../disk-use.js";
import type { DomainDefinition, ObservedHost, ObservedPool } from "../hypervisor.js";

/**
 * Which volumes the domains of one host use, as far as frost sees it (hypervisor/disk-use.ts):
 * every domain's persistent disks, the live disks with their whole backing chains of the running
 * ones, and, for the domains read in detail, the overlays of frost's own snapshots. A shut-off
 * domain's persistent definition lists no backing file of an image it was defined with: a volume
 * that a shut-off domain reaches only that way (an overlay made with qemu-img on top of it, say)
 * is not seen.
 */
export interface HostDisks {
  pool: string;
  /** The pool's directory, when the pool was observed. */
  poolPath?: string;
  /** The pool's volumes (markers of creates included), when the pool was observed. */
  volumes?: ReadonlySet<string>;
  domains: DomainDiskUse[];
}

/** The disk usage of a host from its observation. */
export function hostDisks(
  host: HostSpec,
  observed: ObservedHost,
  definitions: Record<string, DomainDefinition>,
  pool: ObservedPool | undefined,
): HostDisks {
  const domains = observed.names.map((name): DomainDiskUse => {
    const detailed = observed.domains[name];
    const live = detailed?.live?.disks ?? definitions[name]?.liveDisks;
    const frostOverlays = (detailed?.snapshots ?? []).flatMap((s) => s.overlays ?? []);
    return {
      name,
      persistent: definitions[name]?.disks ?? [],
      ...(live ? { live } : {}),
      ...(frostOverlays.length > 0 ? { frostOverlays } : {}),
    };
  });
  return {
    pool: host.pool,
    ...(pool?.path !== undefined ? { poolPath: pool.path } : {}),
    ...(pool?.active ? { volumes: new Set(pool.volumes) } : {}),
    domains,
  };
}

/** A volume of the host's pool, as frost looks for it among the domains' disks. */
export function volumeRef(disks: HostDisks, volume: string): VolumeRef {
  const path = volumePath(disks.poolPath, volume);
  return { pool: disks.pool, volume, ...(path !== undefined ? { path } : {}) };
}
