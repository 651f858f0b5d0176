import type { RpcConnection } from "./connection.js";
import { IMPACT, flagWord, type Impact } from "./flags.js";
import { DOMAIN_ATTACH_DEVICE_FLAGS, DOMAIN_DETACH_DEVICE_ALIAS, DOMAIN_DETACH_DEVICE_FLAGS } from "./procedures.js";
import type { DomainRef } from "./remote-types.js";

/** `virsh attach-device --live/--config`: adds the device of `xml` to the running domain, its persistent definition, or both. */
export async function attachDevice(c: RpcConnection, dom: DomainRef, xml: string, impact: readonly Impact[]): Promise<void> {
  await c.call(DOMAIN_ATTACH_DEVICE_FLAGS, { dom, xml, flags: flagWord(IMPACT, impact) });
}

/** `virsh detach-device`: removes the device matching `xml`. */
export async function detachDevice(c: RpcConnection, dom: DomainRef, xml: string, impact: readonly Impact[]): Promise<void> {
  await c.call(DOMAIN_DETACH_DEVICE_FLAGS, { dom, xml, flags: flagWord(IMPACT, impact) });
}

/** `virsh detach-device-alias`: removes the device of this alias (`channel0`, `ua-…`). */
export async function detachDeviceAlias(c: RpcConnection, dom: DomainRef, alias: string, impact: readonly Impact[]): Promise<void> {
  await c.call(DOMAIN_DETACH_DEVICE_ALIAS, { dom, alias, flags: flagWord(IMPACT, impact) });
}
