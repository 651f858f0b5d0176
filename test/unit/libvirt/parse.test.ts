import { describe, expect, it } from "vitest";
import { classifyAgentError } from "../../../reconcile/providers/libvirt/driver/agent-errors.js";
import { parseDomainStates } from "../../../reconcile/providers/libvirt/driver/domain-list.js";
import { parseDomainDevices } from "../../../reconcile/providers/libvirt/driver/domain-xml.js";

// What `virsh dumpxml` printed for a running lab domain after a hot-plug (trimmed to the devices).
const LIVE_XML = `<domain type='qemu' id='4'>
  <name>x</name>
  <devices>
    <controller type='usb' index='0' model='none'/>
    <controller type='virtio-serial' index='0'><alias name='virtio-serial0'/></controller>
    <serial type='file'><source path='/tmp/console.log'/><target port='0'/></serial>
    <channel type='unix'>
      <source mode='bind' path='/var/lib/libvirt/qemu/channel/target/domain-4-x/org.qemu.guest_agent.0'/>
      <target type='virtio' name='org.qemu.guest_agent.0' state='connected'/>
      <alias name='channel0'/>
      <address type='virtio-serial' controller='0' bus='0' port='1'/>
    </channel>
  </devices>
</domain>`;

describe("reading domain XML", () => {
  it("finds the controller and the agent channel with its alias and state", () => {
    expect(parseDomainDevices(LIVE_XML)).toEqual({ virtioSerialController: true, agentChannel: { alias: "channel0", state: "connected" } });
  });

  it("ignores other channels and a lone controller of another type", () => {
    const xml = `<domain><devices><controller type='usb'/><channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel></devices></domain>`;
    expect(parseDomainDevices(xml)).toEqual({ virtioSerialController: false });
  });

  it("reads a persistent definition, which has neither alias nor state", () => {
    const xml = `<domain><devices><channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel></devices></domain>`;
    expect(parseDomainDevices(xml)).toEqual({ virtioSerialController: false, agentChannel: {} });
  });

  it("rejects a document that is not a domain", () => {
    expect(() => parseDomainDevices("<network/>")).toThrow(/not a libvirt domain/);
  });
});

describe("reading domstats --state", () => {
  it("maps every domain, running or shut off, to its state", () => {
    const out =
      "Domain: 'demo-live'\n  state.state=1\n  state.reason=1\n\nDomain: 'with space'\n  state.state=3\n  state.reason=1\n\nDomain: 'demo-off'\n  state.state=5\n  state.reason=0\n\n";
    expect(Object.fromEntries(parseDomainStates(out))).toEqual({ "demo-live": "running", "with space": "paused", "demo-off": "shutoff" });
  });
});

describe("classifying agent failures by libvirt's words", () => {
  it.each([
    ["argument unsupported: QEMU guest agent is not configured", "no-channel"],
    ["Guest agent is not responding: QEMU guest agent is not connected", "not-connected"],
    ["Guest agent is not responding: Guest agent not available for now", "timeout"],
    ["internal error: unable to execute QEMU agent command 'guest-ping'", "error"],
  ])("%s -> %s", (message, status) => {
    expect(classifyAgentError(message)).toBe(status);
  });
});
