import type { RpcConnection } from "./connection.js";
import { flagWord } from "./flags.js";
import {
  DOMAIN_LIST_ALL_SNAPSHOTS,
  DOMAIN_SNAPSHOT_CREATE_XML,
  DOMAIN_SNAPSHOT_DELETE,
  DOMAIN_SNAPSHOT_GET_XML_DESC,
} from "./procedures.js";
import type { DomainRef } from "./remote-types.js";

/** `virDomainSnapshotCreateFlags` by name (`virsh snapshot-create --disk-only --atomic --quiesce --reuse-external --redefine --current`). */
export const SNAPSHOT_CREATE_FLAGS = {
  redefine: 1,
  current: 2,
  "no-metadata": 4,
  halt: 8,
  "disk-only": 16,
  "reuse-external": 32,
  quiesce: 64,
  atomic: 128,
  live: 256,
  validate: 512,
} as const;
export type SnapshotCreateFlag = keyof typeof SNAPSHOT_CREATE_FLAGS;

/** `virDomainSnapshotDeleteFlags` by name. */
const SNAPSHOT_DELETE_FLAGS = { children: 1, "metadata-only": 2, "children-only": 4 } as const;

/** `virsh snapshot-list --name`: the names of the domain's snapshots, exactly as libvirt has them. */
export async function listSnapshots(c: RpcConnection, dom: DomainRef): Promise<string[]> {
  const { snapshots } = await c.call(DOMAIN_LIST_ALL_SNAPSHOTS, { dom, needResults: 1, flags: 0 });
  return snapshots.map((s) => s.name);
}

/** `virsh snapshot-dumpxml DOM NAME`; libvirt's error when there is no such snapshot. */
export async function snapshotXml(c: RpcConnection, dom: DomainRef, name: string): Promise<string> {
  return (await c.call(DOMAIN_SNAPSHOT_GET_XML_DESC, { snap: { name, dom }, flags: 0 })).xml;
}

/** `virsh snapshot-create DOM XML FLAGS…`: resolves to the new snapshot's name. */
export async function createSnapshot(
  c: RpcConnection,
  dom: DomainRef,
  xml: string,
  flags: readonly SnapshotCreateFlag[] = [],
  timeoutMs?: number,
): Promise<string> {
  const r = await c.call(
    DOMAIN_SNAPSHOT_CREATE_XML,
    { dom, xmlDesc: xml, flags: flagWord(SNAPSHOT_CREATE_FLAGS, flags) },
    timeoutMs !== undefined ? { timeoutMs } : {},
  );
  return r.snap.name;
}

/** `virsh snapshot-create --redefine [--current]`: rewrites a snapshot's metadata (its description, for one) from its XML. */
export async function redefineSnapshot(c: RpcConnection, dom: DomainRef, xml: string, current = false): Promise<string> {
  return createSnapshot(c, dom, xml, current ? ["redefine", "current"] : ["redefine"]);
}

/** `virsh snapshot-delete DOM NAME [--children|--metadata|--children-only]`. */
export async function deleteSnapshot(
  c: RpcConnection,
  dom: DomainRef,
  name: string,
  flags: readonly (keyof typeof SNAPSHOT_DELETE_FLAGS)[] = [],
  timeoutMs?: number,
): Promise<void> {
  await c.call(
    DOMAIN_SNAPSHOT_DELETE,
    { snap: { name, dom }, flags: flagWord(SNAPSHOT_DELETE_FLAGS, flags) },
    timeoutMs !== undefined ? { timeoutMs } : {},
  );
}
