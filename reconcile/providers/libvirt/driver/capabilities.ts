import { XMLParser } from "fast-xml-parser";

const parser = new XMLParser({ parseTagValue: false });

/**
 * The host UUID in `virsh capabilities` (`<capabilities><host><uuid>`), or undefined when there is
 * none. libvirt takes it from `host_uuid` in libvirtd.conf, else from the machine's SMBIOS (or
 * /etc/machine-id with `host_uuid_source = "machine-id"`); where neither exists it makes one up at
 * every daemon start, which is why frost locks a host by its URI as well (cmd/locking.ts).
 */
export function parseHostUuid(xml: string): string | undefined {
  const doc = parser.parse(xml) as { capabilities?: { host?: { uuid?: unknown } } };
  const uuid = doc.capabilities?.host?.uuid;
  return typeof uuid === "string" && /^[0-9a-f]{8}-?([0-9a-f]{4}-?){3}[0-9a-f]{12}$/i.test(uuid.trim())
    ? uuid.trim().toLowerCase()
    : undefined;
}
