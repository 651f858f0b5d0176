import type { HostSpec, InstanceSpec } from "../../../config/types.js";
import type { Diagnostic } from "../../../diagnostics.js";
import { leftByFailedCreate } from "../create-marker.js";
import { describeUsers, volumeUsers, writesTo } from "../disk-use.js";
import { instanceAddress, type Address } from "../../../model.js";
import type { LibvirtChange } from "../steps.js";
import { volumeRef, type HostDisks } from "./disk-usage.js";

/**
 * What to do about a volume of the name an instance's new disk gets, when the pool has one: nothing
 * when there is none; a change of its own deleting it when frost can prove it is what its own
 * failed create left (the create's marker is there, see create-marker.ts) and no domain uses it,
 * which the create then requires; otherwise an error at the instance, naming the domain that uses
 * it: frost never deletes a disk in use, nor a volume it cannot tell it created.
 */
export function existingDisk(
  host: HostSpec,
  instance: InstanceSpec,
  disk: string,
  disks: HostDisks,
): { change?: LibvirtChange; diagnostic?: Diagnostic } {
  if (!disks.volumes?.has(disk)) return {};
  const ref = volumeRef(disks, disk);
  const users = volumeUsers(disks.domains, ref);
  const where = `volume ${disk} in pool ${host.pool}`;
  if (users.length > 0) {
    const names = users.map((u) => u.domain).join(", ");
    return {
      diagnostic: {
        severity: "error",
        code: "plan.disk-in-use",
        summary: `instance ${instance.name}: ${where} is the disk of ${describeUsers(users)}; frost never deletes a disk in use: rename the instance, or remove ${names} and ${users.length === 1 ? "its disk" : "their disks"}`,
        detail: `See what uses it: virsh -c ${host.uri} domblklist ${users[0]?.domain ?? ""} --details. Nothing was changed.`,
        pos: instance.pos,
        source: "user",
      },
    };
  }
  if (!leftByFailedCreate(disks.volumes, disk)) {
    return {
      diagnostic: {
        severity: "error",
        code: "plan.disk-not-created-by-frost",
        summary: `instance ${instance.name}: ${where} exists already, and nothing shows frost created it (no marker of a failed create of frost's); frost never deletes what it did not create`,
        detail: `No domain uses it. If it is not needed, delete it yourself (virsh -c ${host.uri} vol-delete --pool ${host.pool} ${disk}); or rename the instance.`,
        pos: instance.pos,
        source: "user",
      },
    };
  }
  return {
    change: {
      host: host.name,
      address: leftoverAddress(disk),
      action: "delete",
      before: { pool: host.pool, volume: disk },
      after: {},
      reason: `in pool ${host.pool} (left by a failed create of ${instanceAddress(instance.name)}; no domain uses it)`,
      steps: [
        { kind: "delete-volume", domain: instance.name, pool: host.pool, volume: disk },
        { kind: "unmark-creating", domain: instance.name, pool: host.pool, volume: disk },
      ],
      notes: [],
    },
  };
}

/** The address of a volume frost deletes on its own: `volume.<name>`. */
export function leftoverAddress(volume: string): Address {
  return `volume.${volume}`;
}

/**
 * Whether a destroy or a replace deletes the disk frost recorded in `domain`: only where the
 * domain writes to it (the image on top of one of its disks, or under frost's own snapshots'
 * overlays only) and no other domain uses it. Otherwise the disk is kept (`kept`), or there is none
 * to delete (`gone`), and `why` says so.
 */
export type RecordedDisk = { delete: true } | { delete: false; kept: boolean; why: string };

/** See RecordedDisk. */
export function recordedDisk(domain: string, disk: string, disks: HostDisks): RecordedDisk {
  if (!disks.volumes) return { delete: false, kept: true, why: `frost cannot see pool ${disks.pool}, so it cannot tell what uses it` };
  if (!disks.volumes.has(disk)) return { delete: false, kept: false, why: `it is no longer in pool ${disks.pool}` };
  const ref = volumeRef(disks, disk);
  const own = disks.domains.find((d) => d.name === domain);
  if (!own || writesTo(own, ref).length === 0) {
    return { delete: false, kept: true, why: `${domain} does not use it (not as a disk of its own, nor under frost's snapshots only)` };
  }
  const others = volumeUsers(disks.domains, ref, domain);
  if (others.length > 0)
    return { delete: false, kept: true, why: `${describeUsers(others)} ${others.length === 1 ? "uses" : "use"} it too` };
  return { delete: true };
}
