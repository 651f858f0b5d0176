import type { Change } from "../../reconcile/model.js";
import type { LibvirtStep } from "../../reconcile/providers/libvirt/steps.js";
import type { OpenStackStep } from "../../reconcile/providers/openstack/steps-model.js";

/** A step of any provider, for tests that build changes by hand. */
export type AnyStep = LibvirtStep | OpenStackStep;

/** A change whose steps are typed as any provider's. */
export type AnyChange = Change<AnyStep>;
