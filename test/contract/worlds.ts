import { FakeHypervisor } from "../../reconcile/hypervisor/fake/fake-hypervisor.js";
import { LibvirtHypervisor } from "../../reconcile/hypervisor/libvirt/driver.js";
import type { Hypervisor } from "../../reconcile/hypervisor/types.js";
import { devices } from "../support/builders.js";
import { lab, URI, waitForPing } from "../support/lab.js";

/** The kinds of domain the contract cases start from (as the lab defines them). */
export type DomainKind = "controller" | "bare" | "channel";

/** One hypervisor and the means to set up a domain on it; the cases are written against this. */
export interface World {
  name: string;
  hv: Hypervisor;
  define(name: string, kind: DomainKind, options: { start: boolean; agent?: boolean }): Promise<void>;
  /** Waits until the guest agent answers (the real guest needs seconds to boot or open a new port). */
  waitForAgent(name: string): Promise<boolean>;
  remove(name: string): Promise<void>;
}

/** The fake, with domains built to match what the lab defines. */
export function fakeWorld(): World {
  const hv = new FakeHypervisor();
  return {
    name: "fake",
    hv,
    async define(name, kind, { start, agent = true }) {
      const d = devices({ controller: kind !== "bare", channel: kind === "channel" });
      if (d.agentChannel) d.agentChannel = {};
      const live = start ? { live: structuredClone(kind === "channel" ? { ...d, agentChannel: { alias: "channel0" } } : d) } : {};
      hv.withDomain({ name, state: start ? "running" : "shutoff", persistent: d, agent: agent ? "running" : "absent", ...live });
    },
    waitForAgent: async () => true,
    remove: async () => {},
  };
}

/** Real libvirt in the lab, through frost's driver; domains are defined by the lab script. */
export function libvirtWorld(): World {
  return {
    name: "libvirt",
    hv: new LibvirtHypervisor(URI),
    async define(name, kind, { start, agent = true }) {
      await lab("define", name, kind, ...(start ? ["--start"] : []), ...(agent ? [] : ["--no-agent"]));
    },
    waitForAgent: (name) => waitForPing(name, 90_000),
    async remove(name) {
      await lab("undefine", name);
    },
  };
}
