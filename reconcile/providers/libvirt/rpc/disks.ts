import { XMLParser } from "fast-xml-parser";
import type { RpcConnection } from "./connection.js";
import { domainXml } from "./domains.js";
import { DOMAIN_GET_BLOCK_INFO } from "./procedures.js";
import type { DomainRef } from "./remote-types.js";

/** `virsh domblkinfo DOM DISK`: sizes of one disk (by target, e.g. `vda`, or source path), in bytes. */
export async function blockInfo(
  c: RpcConnection,
  dom: DomainRef,
  disk: string,
): Promise<{ capacity: bigint; allocation: bigint; physical: bigint }> {
  return c.call(DOMAIN_GET_BLOCK_INFO, { dom, path: disk, flags: 0 });
}

/** One row of `virsh domblklist --details`. */
export interface BlockDevice {
  type: string;
  device: string;
  target: string;
  /** The file, block device, volume (`pool/volume`) or network name; undefined for an empty drive. */
  source: string | undefined;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  isArray: (name) => name === "disk",
});

/**
 * `virsh domblklist --details`: the disks of the live definition (or with `inactive` the
 * persistent one). libvirt has no call for it; virsh reads the domain's XML, and so does this.
 */
export async function blockDevices(c: RpcConnection, dom: DomainRef, inactive = false): Promise<BlockDevice[]> {
  const doc = parser.parse(await domainXml(c, dom, inactive ? ["inactive"] : [])) as {
    domain?: { devices?: { disk?: Record<string, unknown>[] } };
  };
  return (doc.domain?.devices?.disk ?? []).map((disk) => {
    const attr = (node: unknown, name: string) =>
      node !== null && typeof node === "object" ? (node as Record<string, unknown>)[`@${name}`] : undefined;
    const src = disk.source;
    const pool = attr(src, "pool");
    const volume = attr(src, "volume");
    const source = [
      attr(src, "file"),
      attr(src, "dev"),
      attr(src, "name"),
      typeof pool === "string" && typeof volume === "string" ? `${pool}/${volume}` : undefined,
    ].find((v): v is string => typeof v === "string");
    return {
      type: String(disk["@type"] ?? ""),
      device: String(disk["@device"] ?? "disk"),
      target: String(attr(disk.target, "dev") ?? ""),
      source,
    };
  });
}
