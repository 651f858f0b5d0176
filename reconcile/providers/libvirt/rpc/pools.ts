import type { RpcConnection } from "./connection.js";
import { LibvirtError } from "./errors.js";
import {
  STORAGE_POOL_BUILD,
  STORAGE_POOL_CREATE,
  STORAGE_POOL_DEFINE_XML,
  STORAGE_POOL_GET_INFO,
  STORAGE_POOL_GET_XML_DESC,
  STORAGE_POOL_LOOKUP_BY_NAME,
  STORAGE_POOL_REFRESH,
  STORAGE_POOL_SET_AUTOSTART,
} from "./procedures.js";
import type { PoolRef } from "./remote-types.js";

/** `virStoragePoolState` by name. */
export type PoolState = "inactive" | "building" | "running" | "degraded" | "inaccessible";
const POOL_STATES: readonly PoolState[] = ["inactive", "building", "running", "degraded", "inaccessible"];

/** The storage pool of this name; undefined when libvirt has none (VIR_ERR_NO_STORAGE_POOL). */
export async function lookupPool(c: RpcConnection, name: string): Promise<PoolRef | undefined> {
  try {
    return (await c.call(STORAGE_POOL_LOOKUP_BY_NAME, { name })).pool;
  } catch (e) {
    if (e instanceof LibvirtError && e.is("VIR_ERR_NO_STORAGE_POOL")) return undefined;
    throw e;
  }
}

/** `virsh pool-info`: state and sizes in bytes. */
export async function poolInfo(
  c: RpcConnection,
  pool: PoolRef,
): Promise<{ state: PoolState; capacity: bigint; allocation: bigint; available: bigint }> {
  const r = await c.call(STORAGE_POOL_GET_INFO, { pool });
  return { state: POOL_STATES[r.state] ?? "inaccessible", capacity: r.capacity, allocation: r.allocation, available: r.available };
}

/** `virsh pool-dumpxml [--inactive]`. */
export async function poolXml(c: RpcConnection, pool: PoolRef, inactive = false): Promise<string> {
  return (await c.call(STORAGE_POOL_GET_XML_DESC, { pool, flags: inactive ? 1 : 0 })).xml;
}

/** `virsh pool-define`: a persistent pool from XML (not started). */
export async function definePool(c: RpcConnection, xml: string): Promise<PoolRef> {
  return (await c.call(STORAGE_POOL_DEFINE_XML, { xml, flags: 0 })).pool;
}

/** `virsh pool-build`: makes the pool's target (a directory pool's directory). */
export async function buildPool(c: RpcConnection, pool: PoolRef): Promise<void> {
  await c.call(STORAGE_POOL_BUILD, { pool, flags: 0 });
}

/** `virsh pool-start`. */
export async function startPool(c: RpcConnection, pool: PoolRef): Promise<void> {
  await c.call(STORAGE_POOL_CREATE, { pool, flags: 0 });
}

/** `virsh pool-autostart [--disable]`. */
export async function setPoolAutostart(c: RpcConnection, pool: PoolRef, autostart: boolean): Promise<void> {
  await c.call(STORAGE_POOL_SET_AUTOSTART, { pool, autostart: autostart ? 1 : 0 });
}

/** `virsh pool-refresh`: rescans the pool's volumes (files made outside libvirt). */
export async function refreshPool(c: RpcConnection, pool: PoolRef): Promise<void> {
  await c.call(STORAGE_POOL_REFRESH, { pool, flags: 0 });
}
