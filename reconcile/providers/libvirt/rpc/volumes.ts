import type { Readable } from "node:stream";
import type { RpcConnection } from "./connection.js";
import { LibvirtError } from "./errors.js";
import {
  STORAGE_POOL_LIST_ALL_VOLUMES,
  STORAGE_VOL_CREATE_XML,
  STORAGE_VOL_DELETE,
  STORAGE_VOL_GET_INFO,
  STORAGE_VOL_GET_PATH,
  STORAGE_VOL_LOOKUP_BY_NAME,
  STORAGE_VOL_UPLOAD,
} from "./procedures.js";
import type { PoolRef, VolumeRef } from "./remote-types.js";
import { sendStream } from "./stream.js";

/** `virsh vol-list --pool P`: the pool's volumes, names exactly as libvirt has them. */
export async function listVolumes(c: RpcConnection, pool: PoolRef): Promise<VolumeRef[]> {
  return (await c.call(STORAGE_POOL_LIST_ALL_VOLUMES, { pool, needResults: 1, flags: 0 })).vols;
}

/** The volume of this name in the pool; undefined when there is none (VIR_ERR_NO_STORAGE_VOL). */
export async function lookupVolume(c: RpcConnection, pool: PoolRef, name: string): Promise<VolumeRef | undefined> {
  try {
    return (await c.call(STORAGE_VOL_LOOKUP_BY_NAME, { pool, name })).vol;
  } catch (e) {
    if (e instanceof LibvirtError && e.is("VIR_ERR_NO_STORAGE_VOL")) return undefined;
    throw e;
  }
}

/** `virsh vol-path`. */
export async function volumePath(c: RpcConnection, vol: VolumeRef): Promise<string> {
  return (await c.call(STORAGE_VOL_GET_PATH, { vol })).name;
}

/** `virsh vol-info`: capacity and allocation in bytes. */
export async function volumeInfo(c: RpcConnection, vol: VolumeRef): Promise<{ capacity: bigint; allocation: bigint }> {
  const r = await c.call(STORAGE_VOL_GET_INFO, { vol });
  return { capacity: r.capacity, allocation: r.allocation };
}

/** `virsh vol-create POOL XML`: a new volume from its XML (see `volumeXml`). */
export async function createVolume(c: RpcConnection, pool: PoolRef, xml: string): Promise<VolumeRef> {
  return (await c.call(STORAGE_VOL_CREATE_XML, { pool, xml, flags: 0 })).vol;
}

/** `virsh vol-delete`. */
export async function deleteVolume(c: RpcConnection, vol: VolumeRef): Promise<void> {
  await c.call(STORAGE_VOL_DELETE, { vol, flags: 0 });
}

/**
 * `virsh vol-upload`: streams `source` (a file's read stream, or any byte chunks) into the volume
 * from `offset`, `length` bytes at most (0: all of it), within `timeoutMs` for the whole upload.
 */
export async function uploadVolume(
  c: RpcConnection,
  vol: VolumeRef,
  source: Readable | AsyncIterable<Uint8Array>,
  options: { offset?: number; length?: number; timeoutMs: number },
): Promise<void> {
  const args = { vol, offset: BigInt(options.offset ?? 0), length: BigInt(options.length ?? 0), flags: 0 };
  await sendStream(c, STORAGE_VOL_UPLOAD, args, source, options.timeoutMs);
}

/** What `virsh vol-create-as` asks for: a name, a capacity in bytes, a format, and optionally a backing volume. */
export interface VolumeSpec {
  name: string;
  capacity: number;
  format: "raw" | "qcow2";
  backing?: { path: string; format: "raw" | "qcow2" };
}

/** The volume XML `virsh vol-create-as` would send for `spec`, every value escaped. */
export function volumeXml(spec: VolumeSpec): string {
  const backing =
    spec.backing !== undefined
      ? `<backingStore><path>${escapeXml(spec.backing.path)}</path><format type='${spec.backing.format}'/></backingStore>`
      : "";
  return (
    `<volume><name>${escapeXml(spec.name)}</name><capacity>${Math.trunc(spec.capacity)}</capacity>` +
    `<target><format type='${spec.format}'/></target>${backing}</volume>`
  );
}

/** Text escaped for an XML element or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}
