import type { Clock } from "../reconcile/clock.js";
import { systemClock } from "../reconcile/clock.js";
import type { DesiredState } from "../reconcile/config/types.js";
import { LibvirtHypervisor } from "../reconcile/hypervisor/libvirt/driver.js";
import type { Hypervisor } from "../reconcile/hypervisor/types.js";
import { processIo, type Io } from "./io.js";

/**
 * What commands need from the outside world, injected so that command tests can run against a
 * fake hypervisor and captured output. `connect` gives one Hypervisor per declared host.
 */
export interface CommandDeps {
  io: Io;
  clock: Clock;
  connect(desired: DesiredState): (host: string) => Hypervisor;
}

/** The real world: process streams, the wall clock, libvirt through virsh. */
export function realDeps(): CommandDeps {
  return {
    io: processIo(),
    clock: systemClock,
    connect(desired) {
      const cache = new Map<string, Hypervisor>();
      return (host) => {
        let hv = cache.get(host);
        if (!hv) {
          const spec = desired.hosts[host];
          if (!spec) throw new Error(`host ${host} is not declared`);
          hv = new LibvirtHypervisor(spec.uri);
          cache.set(host, hv);
        }
        return hv;
      };
    },
  };
}
