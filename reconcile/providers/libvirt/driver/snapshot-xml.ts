import { XMLBuilder, XMLParser } from "fast-xml-parser";
import type { BlockDevice } from "./command-output.js";

/** One disk of a snapshot: how it was snapshotted, and (external) the overlay libvirt created. */
export interface SnapshotDisk {
  name: string;
  snapshot: string;
  source?: string;
}

/** What frost reads of `virsh snapshot-dumpxml`. */
export interface SnapshotDocument {
  name: string;
  description?: string;
  /** Seconds since the epoch. */
  creationTime?: number;
  parent?: string;
  state?: string;
  /** `<memory snapshot='…'>`: `no` for a disk-only snapshot. */
  memory?: string;
  disks: SnapshotDisk[];
  /**
   * The domain's disks when the snapshot was taken, target -> source: the images holding the
   * snapshot's point in time, into which deleting the snapshot commits its overlays.
   */
  domainDisks: Record<string, string | undefined>;
}

const ATTRIBUTES = { ignoreAttributes: false, attributeNamePrefix: "@", parseAttributeValue: false, parseTagValue: false } as const;

const parser = new XMLParser({
  ...ATTRIBUTES,
  isArray: (_name, jpath) => jpath === "domainsnapshot.disks.disk" || jpath === "domainsnapshot.domain.devices.disk",
});

type XmlNode = Record<string, unknown>;

function node(value: unknown): XmlNode | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as XmlNode) : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  const n = node(value);
  return typeof n?.["#text"] === "string" ? n["#text"] : n ? "" : undefined;
}

function nodes(value: unknown): XmlNode[] {
  return Array.isArray(value) ? value.map(node).filter((n): n is XmlNode => n !== undefined) : [];
}

/** A disk's source, whatever its type: a file, a block device, a volume or a network name. */
function sourceOf(disk: XmlNode): string | undefined {
  const source = node(disk["source"]);
  const value = source?.["@file"] ?? source?.["@dev"] ?? source?.["@volume"] ?? source?.["@name"];
  return typeof value === "string" ? value : undefined;
}

/** Reads one `<domainsnapshot>` document. */
export function parseSnapshotXml(xml: string): SnapshotDocument {
  const root = node(node(parser.parse(xml))?.["domainsnapshot"]);
  if (!root) throw new Error("not a libvirt snapshot XML document (no <domainsnapshot> element)");
  const name = text(root["name"]);
  if (name === undefined) throw new Error("snapshot XML without a <name>");
  const creation = text(root["creationTime"])?.trim();
  const memory = node(root["memory"])?.["@snapshot"];
  const domainDisks: Record<string, string | undefined> = {};
  for (const disk of nodes(node(node(root["domain"])?.["devices"])?.["disk"])) {
    const target = node(disk["target"])?.["@dev"];
    if (typeof target === "string") domainDisks[target] = sourceOf(disk);
  }
  const description = text(root["description"]);
  const parent = text(node(root["parent"])?.["name"]);
  const state = text(root["state"]);
  return {
    name,
    ...(description !== undefined ? { description } : {}),
    ...(creation !== undefined && /^\d+$/.test(creation) ? { creationTime: Number(creation) } : {}),
    ...(parent !== undefined ? { parent } : {}),
    ...(state !== undefined ? { state } : {}),
    ...(typeof memory === "string" ? { memory } : {}),
    disks: nodes(node(root["disks"])?.["disk"]).map((d) => {
      const source = sourceOf(d);
      return { name: String(d["@name"] ?? ""), snapshot: String(d["@snapshot"] ?? ""), ...(source !== undefined ? { source } : {}) };
    }),
    domainDisks,
  };
}

const builder = new XMLBuilder({ ...ATTRIBUTES, format: true, suppressEmptyNode: true });

/**
 * The `<domainsnapshot>` document of a disk-only external snapshot: every disk (device `disk`)
 * external, cdroms and floppies (read-only) not snapshotted. A disk in `overlays` (target -> path)
 * names its overlay, a qcow2 file frost created (`--reuse-external`); the others are named by
 * libvirt (next to the disk, suffixed with the snapshot name, see `overlayPath`).
 */
export function buildSnapshotXml(
  name: string,
  description: string,
  devices: readonly BlockDevice[],
  overlays: ReadonlyMap<string, string> = new Map(),
): string {
  return builder.build({
    domainsnapshot: {
      name,
      description,
      disks: {
        disk: devices.map((d) => {
          const overlay = d.device === "disk" ? overlays.get(d.target) : undefined;
          return {
            "@name": d.target,
            "@snapshot": d.device === "disk" ? "external" : "no",
            ...(overlay !== undefined ? { "@type": "file", driver: { "@type": "qcow2" }, source: { "@file": overlay } } : {}),
          };
        }),
      },
    },
  }) as string;
}

/**
 * The overlay libvirt names for a disk whose image is `source` (libvirt 9,
 * virDomainSnapshotDefAssignExternalNames): the image's path without its last suffix, then
 * `.<snapshot name>` (`/d/sys.qcow2` -> `/d/sys.S`).
 */
export function overlayPath(source: string, snapshot: string): string {
  const slash = source.lastIndexOf("/");
  const dot = source.lastIndexOf(".");
  return `${dot > slash ? source.slice(0, dot) : source}.${snapshot}`;
}

/** One disk of a domain's (live) definition: its type, device, target, file and format. */
export interface DomainDisk {
  type: string;
  device: string;
  target: string;
  /** `<source file=…>` of a file disk. */
  file?: string;
  /** `<driver type=…>`: the image's format as libvirt opens it. */
  format?: string;
}

const domainParser = new XMLParser({ ...ATTRIBUTES, isArray: (_name, jpath) => jpath === "domain.devices.disk" });

/** The disks of a `<domain>` document (`virsh dumpxml`). */
export function parseDomainDisks(xml: string): DomainDisk[] {
  const root = node(node(domainParser.parse(xml))?.["domain"]);
  if (!root) throw new Error("not a libvirt domain XML document (no <domain> element)");
  return nodes(node(root["devices"])?.["disk"]).flatMap((d) => {
    const target = node(d["target"])?.["@dev"];
    if (typeof target !== "string") return [];
    const file = node(d["source"])?.["@file"];
    const format = node(d["driver"])?.["@type"];
    return [
      {
        type: String(d["@type"] ?? ""),
        device: String(d["@device"] ?? "disk"),
        target,
        ...(typeof file === "string" ? { file } : {}),
        ...(typeof format === "string" ? { format } : {}),
      },
    ];
  });
}

const ordered = { ...ATTRIBUTES, preserveOrder: true, trimValues: false } as const;

/**
 * `xml` (a whole `snapshot-dumpxml` document) with its `<description>` replaced by `description`
 * (added after `<name>` when there is none); everything else as it was, for `--redefine`.
 */
export function replaceDescription(xml: string, description: string): string {
  const doc = new XMLParser(ordered).parse(xml) as XmlNode[];
  const root = doc.find((n) => "domainsnapshot" in n);
  const children = root?.["domainsnapshot"];
  if (!Array.isArray(children)) throw new Error("not a libvirt snapshot XML document (no <domainsnapshot> element)");
  const element = { description: [{ "#text": description }] };
  const at = children.findIndex((c: XmlNode) => "description" in c);
  if (at >= 0) children[at] = element;
  else children.splice(children.findIndex((c: XmlNode) => "name" in c) + 1, 0, element);
  return new XMLBuilder({ ...ordered, suppressEmptyNode: true }).build(doc) as string;
}
