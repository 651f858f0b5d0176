import { imagesFor } from "../../../config/derived.js";
import type { DesiredState, HostSpec, ImageSpec } from "../../../config/types.js";
import type { Diagnostic } from "../../../diagnostics.js";
import type { ObservedPool } from "../hypervisor.js";
import { formatSize, imageVolumeName, type ImageFacts, type ImageObservation } from "../../../images/image-facts.js";
import type { Address, Remark } from "../../../model.js";
import type { LibvirtChange } from "../steps.js";

/** An image ready for instances on one host: its facts and its volume (planned or there). */
export interface PlacedImage {
  spec: ImageSpec;
  facts: ImageFacts;
  volume: string;
  /** The address an instance's create must wait for, when the upload is part of this plan. */
  requires: Address[];
}

/** What planning a host's storage gave: changes (pool, uploads), problems, remarks, and where images and disks live. */
export interface StoragePlan {
  changes: LibvirtChange[];
  diagnostics: Diagnostic[];
  remarks: Remark[];
  /** The pool's directory (observed, or where the plan creates it); undefined when the pool is unusable. */
  poolPath?: string;
  /** Volumes in the pool now. */
  volumes: Set<string>;
  images: Map<string, PlacedImage>;
}

/**
 * Plans a host's pool and image volumes. A missing pool is created (directory pool) when the host
 * gives `poolPath`, otherwise it is an error. Each image becomes a content-addressed volume
 * (`<image>-<12 hex of sha256>.<format>`), uploaded when absent and never written once there; a
 * source whose real format is not the declared one is an error. Pure.
 */
export function planStorage(
  host: HostSpec,
  desired: DesiredState,
  pool: ObservedPool | undefined,
  observed: Record<string, ImageObservation>,
): StoragePlan {
  const result: StoragePlan = { changes: [], diagnostics: [], remarks: [], volumes: new Set(pool?.volumes ?? []), images: new Map() };
  const images = imagesFor(host, desired);
  if (images.length === 0) return result;
  if (pool?.unreadable) {
    result.remarks.push({
      host: host.name,
      address: `pool.${pool.name}`,
      message:
        `virsh vol-list printed ${pool.unreadable.length} volume(s) whose name frost cannot read back from it ` +
        `(${pool.unreadable.map((row) => JSON.stringify(row.trim())).join(", ")}): frost never touches them`,
    });
  }
  const requires: Address[] = [];
  if (!pool) {
    if (host.poolPath === undefined) {
      result.diagnostics.push({
        severity: "error",
        code: "plan.pool-missing",
        summary: `host ${host.name} (${host.uri}) has no storage pool named ${host.pool}, which its images need`,
        detail: `Create it (virsh pool-define-as ${host.pool} dir --target /var/lib/libvirt/images; pool-build; pool-start), name another with host.pool, or give host.poolPath for frost to create a directory pool there.`,
        pos: host.pos,
        source: "user",
      });
      return result;
    }
    const address = `pool.${host.pool}`;
    result.changes.push({
      host: host.name,
      address,
      action: "create",
      before: {},
      after: { type: "dir", path: host.poolPath },
      reason: `directory pool at ${host.poolPath}`,
      steps: [{ kind: "create-pool", pool: host.pool, path: host.poolPath }],
      notes: [],
    });
    requires.push(address);
    result.poolPath = host.poolPath;
  } else if (!pool.active) {
    result.diagnostics.push({
      severity: "error",
      code: "plan.pool-inactive",
      summary: `storage pool ${host.pool} on host ${host.name} is not active`,
      detail: `Start it: virsh -c ${host.uri} pool-start ${host.pool} (and pool-autostart ${host.pool}).`,
      pos: host.pos,
      source: "user",
    });
    return result;
  } else {
    result.poolPath = pool.path;
  }

  for (const image of images) {
    const o = observed[image.name];
    if (!o || o.status === "unreadable") {
      result.diagnostics.push({
        severity: "error",
        code: "plan.image-unreadable",
        summary: `image ${image.name}: cannot read ${image.source}: ${o?.status === "unreadable" ? o.error : "not read"}`,
        pos: image.pos,
        source: "user",
      });
      continue;
    }
    if (o.facts.format !== image.format) {
      result.diagnostics.push({
        severity: "error",
        code: "plan.image-format",
        summary: `image ${image.name} is declared format: ${image.format}, but ${image.source} is ${o.facts.format} (qemu-img info)`,
        detail: `write format: ${o.facts.format === "qcow2" || o.facts.format === "raw" ? o.facts.format : "raw or qcow2"}, or convert the file (qemu-img convert -O ${image.format})`,
        pos: image.pos,
        source: "user",
      });
      continue;
    }
    const volume = imageVolumeName(image.name, o.facts.digest, image.format);
    const placed: PlacedImage = { spec: image, facts: o.facts, volume, requires: [...requires] };
    if (!result.volumes.has(volume)) {
      const address = `image.${image.name}`;
      result.changes.push({
        host: host.name,
        address,
        action: "create",
        before: {},
        after: { volume, digest: o.facts.digest, bytes: o.facts.bytes, format: image.format },
        reason: `(${o.facts.digest.slice(0, 11)}…, ${formatSize(o.facts.bytes)})`,
        steps: [{ kind: "upload-image", pool: host.pool, volume, source: image.source, bytes: o.facts.bytes, digest: o.facts.digest }],
        notes: [],
        ...(requires.length > 0 ? { requires: [...requires] } : {}),
      });
      placed.requires = [...requires, address];
    }
    result.images.set(image.name, placed);
  }
  return result;
}
