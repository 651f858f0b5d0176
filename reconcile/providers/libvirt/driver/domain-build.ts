import { XMLBuilder } from "fast-xml-parser";
import { FROST_METADATA_KEY, FROST_METADATA_NS } from "../frost-record.js";
import { AGENT_CHANNEL_NAME, type DomainSpec } from "../hypervisor.js";

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@", format: true, suppressBooleanAttributes: false });

/**
 * The libvirt XML of a domain frost creates, built as a tree (every value escaped by the builder).
 * q35 with `<cpu mode='maximum'/>` under TCG (`type: qemu`), host-passthrough under KVM; no
 * network; the balloon off (frost sets memory, nothing should move it); ttyS0 on a pty.
 */
export function buildDomainXml(spec: DomainSpec, diskPath: string): string {
  const record = Object.fromEntries(Object.entries({ version: 1, ...spec.record }).map(([k, v]) => [`@${k}`, String(v)]));
  const os: Record<string, unknown> = { type: { "@arch": "x86_64", "@machine": "q35", "#text": "hvm" } };
  if (spec.boot) {
    os["kernel"] = spec.boot.kernel;
    if (spec.boot.initrd) os["initrd"] = spec.boot.initrd;
    if (spec.boot.cmdline) os["cmdline"] = spec.boot.cmdline;
  } else os["boot"] = { "@dev": "hd" };
  const devices: Record<string, unknown> = {
    disk: {
      "@type": "file",
      "@device": "disk",
      driver: { "@name": "qemu", "@type": "qcow2" },
      source: { "@file": diskPath },
      target: { "@dev": "vda", "@bus": "virtio" },
    },
    controller: [
      { "@type": "usb", "@model": "none" },
      { "@type": "virtio-serial", "@index": "0" },
    ],
    serial: { "@type": "pty", target: { "@port": "0" } },
    console: { "@type": "pty", target: { "@type": "serial", "@port": "0" } },
    ...(spec.agentChannel
      ? { channel: { "@type": "unix", source: { "@mode": "bind" }, target: { "@type": "virtio", "@name": AGENT_CHANNEL_NAME } } }
      : {}),
    memballoon: { "@model": "none" },
  };
  return builder.build({
    domain: {
      "@type": spec.type,
      name: spec.name,
      uuid: spec.uuid,
      metadata: { [`${FROST_METADATA_KEY}:record`]: { [`@xmlns:${FROST_METADATA_KEY}`]: FROST_METADATA_NS, ...record } },
      memory: { "@unit": "b", "#text": String(spec.memory) },
      vcpu: String(spec.vcpus),
      os,
      cpu: spec.type === "qemu" ? { "@mode": "maximum" } : { "@mode": "host-passthrough" },
      on_poweroff: "destroy",
      on_reboot: "restart",
      on_crash: "destroy",
      devices,
    },
  }) as string;
}
