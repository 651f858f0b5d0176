import { XMLParser } from "fast-xml-parser";
import { creatingMarker } from "../create-marker.js";
import { inUseMessage } from "../disk-use.js";
import { HypervisorError, type ObservedPool } from "../hypervisor.js";
import { completeVolumes, uploadMarker } from "../upload-marker.js";
import { parseVolumeList } from "./volume-list.js";
import { usersOfVolume } from "./volume-users.js";
import { virshError, type Virsh } from "./virsh.js";

/** Deadline of an upload: it streams the whole image. */
const UPLOAD_TIMEOUT_MS = 60 * 60_000;

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseTagValue: false });

/**
 * `pool-info` (state), `pool-dumpxml` (path) and `vol-list` (names, read as volume-list.ts says)
 * of one pool; undefined when libvirt has no such pool.
 */
export async function observePool(virsh: Virsh, pool: string): Promise<ObservedPool | undefined> {
  const info = await virsh.exec(["pool-info", "--pool", pool]);
  if (info.code !== 0) {
    if (/Storage pool not found|failed to get pool/i.test(info.stderr)) return undefined;
    throw new HypervisorError(info.stderr.trim() || "virsh pool-info failed", "pool-info");
  }
  const active = info.stdout.split("\n").some((l) => /^State:\s+running$/.test(l.trim()));
  const doc = parser.parse(await virsh.run(["pool-dumpxml", "--pool", pool])) as { pool?: { target?: { path?: unknown } } };
  const path = typeof doc.pool?.target?.path === "string" ? doc.pool.target.path : undefined;
  const listing = active
    ? parseVolumeList(await virsh.run(["vol-list", "--pool", pool], undefined, undefined, true, "C.UTF-8"), path)
    : { names: [], unreadable: [] };
  return {
    name: pool,
    active,
    ...(path !== undefined ? { path } : {}),
    volumes: completeVolumes(listing.names),
    ...(listing.unreadable.length > 0 ? { unreadable: listing.unreadable } : {}),
  };
}

/** True when the pool has a volume of exactly this name. */
async function hasVolume(virsh: Virsh, pool: string, volume: string): Promise<boolean> {
  const r = await virsh.exec(["vol-key", "--pool", pool, "--vol", volume]);
  if (r.code === 0) return true;
  if (/Storage volume not found|no storage vol with matching/i.test(r.stderr)) return false;
  throw new HypervisorError(virshError(r), "vol-key");
}

export async function createPool(virsh: Virsh, pool: string, path: string): Promise<void> {
  await virsh.run(["pool-define-as", "--name", pool, "--type", "dir", "--target", path]);
  await virsh.run(["pool-build", "--pool", pool]);
  await virsh.run(["pool-start", "--pool", pool]);
  await virsh.run(["pool-autostart", "--pool", pool]);
}

/**
 * `vol-create-as` (raw container of the file's size), then `vol-upload` (virsh streams the file),
 * bracketed by the upload marker (see upload-marker.ts). What an interrupted upload left of this
 * volume is removed first; on a failed upload the new volume and its marker are removed.
 */
export async function uploadVolume(virsh: Virsh, pool: string, volume: string, source: string, bytes: number): Promise<void> {
  const marker = uploadMarker(volume);
  if (await hasVolume(virsh, pool, marker)) {
    await virsh.exec(["vol-delete", "--pool", pool, "--vol", volume]);
    await virsh.run(["vol-delete", "--pool", pool, "--vol", marker]);
  }
  await virsh.run(["vol-create-as", "--pool", pool, "--name", marker, "--capacity", "0", "--format", "raw"]);
  try {
    await virsh.run(["vol-create-as", "--pool", pool, "--name", volume, "--capacity", String(bytes), "--format", "raw"]);
  } catch (e) {
    await virsh.exec(["vol-delete", "--pool", pool, "--vol", marker]);
    throw e;
  }
  try {
    await virsh.run(["vol-upload", "--pool", pool, "--vol", volume, "--file", source], UPLOAD_TIMEOUT_MS);
  } catch (e) {
    await virsh.exec(["vol-delete", "--pool", pool, "--vol", volume]);
    await virsh.exec(["vol-delete", "--pool", pool, "--vol", marker]);
    throw e;
  }
  await virsh.run(["vol-delete", "--pool", pool, "--vol", marker]);
}

export async function createOverlay(
  virsh: Virsh,
  pool: string,
  volume: string,
  backing: { volume: string; format: "raw" | "qcow2" },
  capacity: number,
): Promise<void> {
  await virsh.run([
    "vol-create-as",
    "--pool",
    pool,
    "--name",
    volume,
    "--capacity",
    String(capacity),
    "--format",
    "qcow2",
    "--backing-vol",
    backing.volume,
    "--backing-vol-format",
    backing.format,
  ]);
}

/** `vol-delete`, refused when a domain uses the volume now (see volume-users.ts). */
export async function deleteVolume(virsh: Virsh, pool: string, volume: string): Promise<void> {
  const { ref, users } = await usersOfVolume(virsh, pool, volume);
  if (users.length > 0) throw new HypervisorError(inUseMessage(ref, users), "vol-delete", users[0]?.domain);
  await virsh.run(["vol-delete", "--pool", pool, "--vol", volume]);
}

/** `vol-create-as` of the empty marker of a create of `volume` (create-marker.ts); one already there is kept. */
export async function markCreating(virsh: Virsh, pool: string, volume: string): Promise<void> {
  const marker = creatingMarker(volume);
  const r = await virsh.exec(["vol-create-as", "--pool", pool, "--name", marker, "--capacity", "0", "--format", "raw"]);
  if (r.code !== 0 && !/exists already/i.test(r.stderr)) throw new HypervisorError(virshError(r), "vol-create-as");
}

/** `vol-delete` of the marker of a create of `volume`; none there is fine. */
export async function unmarkCreating(virsh: Virsh, pool: string, volume: string): Promise<void> {
  const r = await virsh.exec(["vol-delete", "--pool", pool, "--vol", creatingMarker(volume)]);
  if (r.code !== 0 && !/no storage vol with matching/i.test(r.stderr)) throw new HypervisorError(virshError(r), "vol-delete");
}
