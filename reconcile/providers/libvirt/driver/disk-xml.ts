import type { DiskLayer, DiskUse } from "../hypervisor.js";

type XmlNode = Record<string, unknown>;

function node(value: unknown): XmlNode | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as XmlNode) : undefined;
}

function nodes(value: unknown): XmlNode[] {
  const all = Array.isArray(value) ? value : [value];
  return all.map(node).filter((n): n is XmlNode => n !== undefined);
}

/** The image a `<disk>` or `<backingStore>` element reads: a file or block device by path, or a pool's volume. */
function layerOf(element: XmlNode): DiskLayer | undefined {
  const source = node(element["source"]);
  const file = source?.["@file"] ?? source?.["@dev"];
  if (typeof file === "string" && file !== "") return { file };
  const pool = source?.["@pool"];
  const volume = source?.["@volume"];
  if (typeof pool === "string" && typeof volume === "string") return { pool, volume };
  return undefined; // a network disk, or an empty drive
}

/**
 * The disks of a parsed domain XML's `<devices>` (fast-xml-parser, attributes as `@name`): per
 * disk with a target and an image, the image on top and the `<backingStore>` chain below it as the
 * document lists it (a live definition lists it whole; a persistent one what libvirt recorded, see DiskUse).
 */
export function readDisks(devices: XmlNode | undefined): DiskUse[] {
  const disks: DiskUse[] = [];
  for (const disk of nodes(devices?.["disk"])) {
    const target = node(disk["target"])?.["@dev"];
    const top = layerOf(disk);
    if (typeof target !== "string" || !top) continue;
    const layers = [top];
    for (let store = node(disk["backingStore"]); store; store = node(store["backingStore"])) {
      const layer = layerOf(store);
      if (!layer) break;
      layers.push(layer);
    }
    disks.push({ target, layers });
  }
  return disks;
}
