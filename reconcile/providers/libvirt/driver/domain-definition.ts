import { XMLParser } from "fast-xml-parser";
import { FROST_METADATA_NS, type FrostRecord } from "../frost-record.js";
import type { DomainDefinition } from "../hypervisor.js";
import { readDisks } from "./disk-xml.js";

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseAttributeValue: false, parseTagValue: false });

type XmlNode = Record<string, unknown>;

function node(value: unknown): XmlNode | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as XmlNode) : undefined;
}

/** libvirt's memory units, in bytes (KiB when no unit is given, as libvirt reads it). */
const UNITS: Record<string, number> = {
  b: 1,
  bytes: 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
};

/** The text of an element that may carry attributes (`<memory unit='KiB'>524288</memory>`). */
function text(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim();
  const n = node(value);
  return typeof n?.["#text"] === "string" ? n["#text"].trim() : undefined;
}

/**
 * Reads what frost compares across runs from one domain XML document (`virsh dumpxml`, usually
 * `--inactive`): the memory in bytes, the vcpus, and frost's record in `<metadata>`, found by
 * namespace (whatever prefix it carries); and the domain's UUID and disks.
 */
export function parseDomainDefinition(xml: string): DomainDefinition {
  const domain = node(node(parser.parse(xml))?.["domain"]);
  if (!domain) throw new Error("not a libvirt domain XML document (no <domain> element)");
  const memoryNode = domain["memory"];
  const unit = String(node(memoryNode)?.["@unit"] ?? "KiB").toLowerCase();
  const memoryText = text(memoryNode);
  const vcpuText = text(domain["vcpu"]);
  const record = findRecord(node(domain["metadata"]));
  const uuid = text(domain["uuid"]);
  const disks = readDisks(node(domain["devices"]));
  return {
    ...(memoryText !== undefined && UNITS[unit] !== undefined ? { memory: Number(memoryText) * UNITS[unit] } : {}),
    ...(vcpuText !== undefined ? { vcpus: Number(vcpuText) } : {}),
    ...(record ? { record } : {}),
    ...(uuid ? { uuid } : {}),
    ...(disks.length > 0 ? { disks } : {}),
  };
}

function findRecord(metadata: XmlNode | undefined): FrostRecord | undefined {
  for (const [name, value] of Object.entries(metadata ?? {})) {
    if (name.startsWith("@")) continue;
    const element = node(value);
    if (!element) continue;
    const ours = Object.entries(element).some(([k, v]) => k.startsWith("@xmlns") && v === FROST_METADATA_NS);
    if (ours) return readRecord(element);
  }
  return undefined;
}

function readRecord(element: XmlNode): FrostRecord {
  const attr = (k: string): string | undefined => (typeof element[`@${k}`] === "string" ? (element[`@${k}`] as string) : undefined);
  const num = (k: string): number | undefined => {
    const v = attr(k);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const agent = attr("agent");
  const memory = num("memory");
  const vcpus = num("vcpus");
  const image = attr("image");
  const digest = attr("digest");
  const disk = attr("disk");
  const uuid = attr("uuid");
  const name = attr("name");
  return {
    ...(agent === "true" || agent === "false" ? { agent: agent === "true" } : {}),
    ...(attr("createdBy") === "frost" ? { createdBy: "frost" as const } : {}),
    ...(image !== undefined ? { image } : {}),
    ...(digest !== undefined ? { digest } : {}),
    ...(memory !== undefined ? { memory } : {}),
    ...(vcpus !== undefined ? { vcpus } : {}),
    ...(disk !== undefined ? { disk } : {}),
    ...(attr("protect") === "true" ? { protect: true } : {}),
    ...(attr("owner") !== undefined ? { owner: attr("owner") as string } : {}),
    ...(attr("state") === "running" || attr("state") === "stopped" ? { state: attr("state") as "running" | "stopped" } : {}),
    ...(uuid !== undefined ? { uuid } : {}),
    ...(name !== undefined ? { name } : {}),
  };
}

/** The element `virsh metadata --set` stores (libvirt adds frost's namespace and prefix). */
export function recordXml(record: FrostRecord): string {
  const attrs = Object.entries(record)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
    .join("");
  return `<record version="1"${attrs}/>`;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
