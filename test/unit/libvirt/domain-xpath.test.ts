import { describe, expect, it } from "vitest";
import { parseDomainDevices } from "../../../reconcile/providers/libvirt/driver/domain-xml.js";
import { domainFromNodes, OBSERVED_PATHS, xpathOf } from "../../../reconcile/providers/libvirt/driver/domain-xpath.js";

// What `virsh dumpxml t-bench-run1 --xpath '<OBSERVED_PATHS>'` printed on the lab (libvirt 9.0).
const LIVE_NODES =
  '<controller type="virtio-serial" index="0">\n  <alias name="virtio-serial0"/>\n  <address type="pci" domain="0x0000" bus="0x01" slot="0x00" function="0x0"/>\n</controller>\n' +
  '<channel type="unix">\n  <source mode="bind" path="/var/lib/libvirt/qemu/channel/target/domain-64-t-bench-run1/org.qemu.guest_agent.0"/>\n' +
  '  <target type="virtio" name="org.qemu.guest_agent.0" state="connected"/>\n  <alias name="channel0"/>\n  <address type="virtio-serial" controller="0" bus="0" port="1"/>\n</channel>\n';

describe("reading part of a domain XML", () => {
  it("selects the virtio-serial controllers and the channels, in an expression virsh can take single-quoted", () => {
    expect(xpathOf(OBSERVED_PATHS)).toBe(`/domain/devices/controller[@type="virtio-serial"] | /domain/devices/channel`);
    expect(xpathOf(OBSERVED_PATHS)).not.toContain("'");
  });

  it("puts the printed nodes back under <devices>, where parseDomainDevices reads them", () => {
    expect(parseDomainDevices(domainFromNodes(LIVE_NODES, OBSERVED_PATHS))).toEqual({
      virtioSerialController: true,
      agentChannel: { alias: "channel0", state: "connected" },
    });
    expect(parseDomainDevices(domainFromNodes("", OBSERVED_PATHS))).toEqual({ virtioSerialController: false });
  });

  it("keeps /domain/x nodes at the top, text lines and all", () => {
    const printed = `<memory unit="KiB">524288</memory>\n<description>two\nlines &lt;x&gt;</description>\n<channel type="unix">\n  <target type="virtio" name="org.qemu.guest_agent.0"/>\n</channel>\n`;
    expect(domainFromNodes(printed, ["/domain/memory", "/domain/description", "/domain/devices/channel"])).toBe(
      `<domain>\n<memory unit="KiB">524288</memory>\n<description>two\nlines &lt;x&gt;</description>\n<devices>\n<channel type="unix">\n  <target type="virtio" name="org.qemu.guest_agent.0"/>\n</channel>\n</devices>\n</domain>\n`,
    );
  });

  it("refuses a path it cannot put back", () => {
    expect(() => domainFromNodes("", ["/domain/devices/disk/source"])).toThrow(/not a \/domain\/x or \/domain\/devices\/x path/);
    expect(() => domainFromNodes("", ["//channel"])).toThrow();
  });
});
