import { XMLParser } from "fast-xml-parser";
import { AGENT_CHANNEL_NAME, type DomainDevices } from "../hypervisor.js";
import { readDisks } from "./disk-xml.js";

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (_name, jpath) => jpath === "domain.devices.channel" || jpath === "domain.devices.controller",
});

type XmlNode = Record<string, unknown>;

function node(value: unknown): XmlNode | undefined {
  return value !== null && typeof value === "object" ? (value as XmlNode) : undefined;
}

function list(value: unknown): XmlNode[] {
  return Array.isArray(value) ? value.map(node).filter((n): n is XmlNode => n !== undefined) : [];
}

/**
 * Reads the devices frost manages from one domain XML document (`virsh dumpxml`); with `disks`
 * (a live definition), the disks and their backing chains too.
 */
export function parseDomainDevices(xml: string, options: { disks?: boolean } = {}): DomainDevices {
  const doc = node(parser.parse(xml));
  const domain = node(doc?.["domain"]);
  if (!domain) throw new Error("not a libvirt domain XML document (no <domain> element)");
  const devices = node(domain["devices"]) ?? {};
  const virtioSerialController = list(devices["controller"]).some((c) => c["@type"] === "virtio-serial");
  const disks = options.disks ? { disks: readDisks(devices) } : {};
  const channel = list(devices["channel"]).find((c) => {
    const target = node(c["target"]);
    return target?.["@type"] === "virtio" && target["@name"] === AGENT_CHANNEL_NAME;
  });
  if (!channel) return { virtioSerialController, ...disks };
  const target = node(channel["target"]);
  const alias = node(channel["alias"])?.["@name"];
  const state = target?.["@state"];
  return {
    virtioSerialController,
    agentChannel: {
      ...(typeof alias === "string" ? { alias } : {}),
      ...(state === "connected" || state === "disconnected" ? { state } : {}),
    },
    ...disks,
  };
}

/** The device XML of the agent channel; libvirt chooses the socket path. */
export const AGENT_CHANNEL_XML = `<channel type='unix'>
  <source mode='bind'/>
  <target type='virtio' name='${AGENT_CHANNEL_NAME}'/>
</channel>
`;
