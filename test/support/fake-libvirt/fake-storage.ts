import { HypervisorError, type ObservedPool } from "../../../reconcile/providers/libvirt/hypervisor.js";
import { completeVolumes } from "../../../reconcile/providers/libvirt/upload-marker.js";

/** A fake volume: its size, what it was uploaded from, and the volume it is backed by. */
export interface FakeVolume {
  bytes: number;
  source?: string;
  backing?: { volume: string; format: "raw" | "qcow2" };
}

/** A fake storage pool. */
export interface FakePool {
  path: string;
  active: boolean;
  volumes: Map<string, FakeVolume>;
}

/**
 * Storage pools in memory, with libvirt's rules and words as frost meets them (libvirt 9):
 * - a pool that does not exist: `Storage pool not found: no storage pool with matching name 'p'`;
 * - a second volume of one name: `storage volume 'v' exists already`;
 * - a backing volume or a volume to delete that does not exist:
 *   `Storage volume not found: no storage vol with matching path 'v'`;
 * - volumes of an inactive pool are not listed, and cannot be created;
 * - a volume whose upload marker is still there (an interrupted upload) is not listed, and the next
 *   upload of that volume replaces it (see upload-marker.ts).
 */
export class FakeStorage {
  readonly pools = new Map<string, FakePool>();

  observe(name: string): ObservedPool | undefined {
    const p = this.pools.get(name);
    if (!p) return undefined;
    return { name, active: p.active, path: p.path, volumes: p.active ? completeVolumes([...p.volumes.keys()].sort()) : [] };
  }

  createPool(name: string, path: string): void {
    if (this.pools.has(name)) throw new HypervisorError(`operation failed: pool '${name}' already exists`, "pool-define-as");
    this.pools.set(name, { path, active: true, volumes: new Map() });
  }

  addVolume(pool: string, name: string, volume: FakeVolume, operation: string): void {
    const p = this.activePool(pool, operation);
    if (p.volumes.has(name)) throw new HypervisorError(`Failed to create vol ${name}: storage volume '${name}' exists already`, operation);
    if (volume.backing) this.volume(pool, volume.backing.volume, operation);
    p.volumes.set(name, volume);
  }

  deleteVolume(pool: string, name: string): void {
    this.volume(pool, name, "vol-delete");
    this.activePool(pool, "vol-delete").volumes.delete(name);
  }

  volume(pool: string, name: string, operation: string): FakeVolume {
    const v = this.activePool(pool, operation).volumes.get(name);
    if (!v)
      throw new HypervisorError(
        `failed to get vol '${name}': Storage volume not found: no storage vol with matching path '${name}'`,
        operation,
      );
    return v;
  }

  private activePool(name: string, operation: string): FakePool {
    const p = this.pools.get(name);
    if (!p)
      throw new HypervisorError(
        `failed to get pool '${name}': Storage pool not found: no storage pool with matching name '${name}'`,
        operation,
      );
    if (!p.active) throw new HypervisorError(`Requested operation is not valid: storage pool '${name}' is not active`, operation);
    return p;
  }
}
