import type { Clock } from "../reconcile/clock.js";
import { fixedClock, systemClock } from "../reconcile/clock.js";
import { LibvirtHypervisor } from "../reconcile/providers/libvirt/driver/driver.js";
import type { Hypervisor } from "../reconcile/providers/libvirt/hypervisor.js";
import { FreezeJournal } from "../reconcile/snapshots/freeze-journal.js";
import { defaultStateDir } from "../reconcile/state-dir.js";
import { processInterrupt, type Interrupt } from "./interrupt.js";
import { processIo, type Io } from "./io.js";
import type { OpenStackConnections } from "../reconcile/observe.js";
import type { OpenStackCloud } from "../reconcile/providers/openstack/cloud.js";
import { cloudOfUri } from "../reconcile/providers/openstack/host-uri.js";
import { httpCloud } from "../reconcile/providers/openstack/http/connect.js";

/**
 * What commands need from the outside world, injected so that command tests can run against a
 * fake hypervisor and captured output. `connect` gives one Hypervisor per declared host.
 */
export interface CommandDeps {
  io: Io;
  /** Signals and a closed output: they end a read-only command at once, and stop a run that holds hosts gracefully. */
  interrupt: Interrupt;
  clock: Clock;
  journal: FreezeJournal;
  /** Where locks and the freeze journal live. */
  stateDir: string;
  /** The root of the host's file system (AppArmor files); `/`, or a test tree via FROST_HOST_ROOT. */
  hostRoot: string;
  connect(hosts: Record<string, { uri: string }>): (host: string) => Hypervisor;
  /**
   * How to reach the OpenStack hosts among `hosts` (by their `openstack:CLOUD` label): one client per
   * cloud for the whole process, so that a Keystone token is reused until it expires, and a compute
   * host's libvirt by URI.
   */
  openstack(hosts: Record<string, { uri: string }>): OpenStackConnections;
}

/** The real world: process streams, the wall clock, libvirt through virsh, OpenStack over HTTP. */
export function realDeps(): CommandDeps {
  const clouds = new Map<string, OpenStackCloud>();
  const computes = new Map<string, Hypervisor>();
  const io = processIo();
  return {
    io,
    interrupt: processInterrupt(io),
    // FROST_NOW pretends it is another time: for rehearsing schedules and retention, and for tests.
    clock: process.env["FROST_NOW"] ? fixedClock(process.env["FROST_NOW"]) : systemClock,
    journal: new FreezeJournal(defaultStateDir()),
    stateDir: defaultStateDir(),
    hostRoot: process.env["FROST_HOST_ROOT"] || "/",
    connect(hosts) {
      const cache = new Map<string, Hypervisor>();
      return (host) => {
        const cached = cache.get(host);
        if (cached) return cached;
        const spec = hosts[host];
        if (!spec) throw new Error(`host ${host} is not declared`);
        const hv = new LibvirtHypervisor(spec.uri);
        cache.set(host, hv);
        return hv;
      };
    },
    openstack(hosts) {
      return {
        cloudFor(host) {
          const spec = hosts[host];
          if (!spec) throw new Error(`host ${host} is not declared`);
          const cached = clouds.get(spec.uri);
          if (cached) return cached;
          const name = cloudOfUri(spec.uri);
          const cloud: OpenStackCloud = httpCloud(name !== undefined ? { cloud: name } : {});
          clouds.set(spec.uri, cloud);
          return cloud;
        },
        computeFor(uri) {
          const cached = computes.get(uri);
          if (cached) return cached;
          const hv = new LibvirtHypervisor(uri);
          computes.set(uri, hv);
          return hv;
        },
      };
    },
  };
}
