import type { Clock } from "../reconcile/clock.js";
import { fixedClock, systemClock } from "../reconcile/clock.js";
import { LibvirtHypervisor } from "../reconcile/hypervisor/libvirt/driver.js";
import type { Hypervisor } from "../reconcile/hypervisor/types.js";
import { FreezeJournal } from "../reconcile/snapshots/freeze-journal.js";
import { defaultStateDir } from "../reconcile/state-dir.js";
import { processIo, type Io } from "./io.js";

/**
 * What commands need from the outside world, injected so that command tests can run against a
 * fake hypervisor and captured output. `connect` gives one Hypervisor per declared host.
 */
export interface CommandDeps {
  io: Io;
  clock: Clock;
  journal: FreezeJournal;
  /** Where locks and the freeze journal live. */
  stateDir: string;
  /** The root of the host's file system (AppArmor files); `/`, or a test tree via FROST_HOST_ROOT. */
  hostRoot: string;
  connect(hosts: Record<string, { uri: string }>): (host: string) => Hypervisor;
}

/** The real world: process streams, the wall clock, libvirt through virsh. */
export function realDeps(): CommandDeps {
  return {
    io: processIo(),
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
  };
}
