import type { HostKind, Provider } from "../provider.js";
import type { Step } from "../model.js";
import { libvirtProvider } from "./libvirt/provider.js";
import { openstackProvider } from "./openstack/provider.js";

/**
 * The providers, by the `kind:` of the hosts they serve. A new kind of host is one folder under
 * providers/ and one line here; the engine looks every provider up through this table and names
 * none of them.
 */
const PROVIDERS: Record<HostKind, Provider> = {
  libvirt: libvirtProvider,
  openstack: openstackProvider(libvirtProvider.computeAccess),
};

/** The provider of hosts of `kind`. */
export function providerFor(kind: HostKind): Provider {
  return PROVIDERS[kind];
}

/** The provider whose step `step` is, or undefined for a step no provider knows (a saved plan is a file). */
export function providerOfStep(step: Step): Provider | undefined {
  return Object.values(PROVIDERS).find((p) => p.owns(step));
}

/** Every provider. */
export function allProviders(): Provider[] {
  return Object.values(PROVIDERS);
}
