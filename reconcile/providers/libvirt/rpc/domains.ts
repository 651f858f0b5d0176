import type { RpcConnection } from "./connection.js";
import { LibvirtError } from "./errors.js";
import { IMPACT, flagWord, type Impact } from "./flags.js";
import {
  CONNECT_GET_ALL_DOMAIN_STATS,
  DOMAIN_CREATE_WITH_FLAGS,
  DOMAIN_DEFINE_XML_FLAGS,
  DOMAIN_DESTROY_FLAGS,
  DOMAIN_GET_STATE,
  DOMAIN_GET_XML_DESC,
  DOMAIN_LOOKUP_BY_NAME,
  DOMAIN_SET_MEMORY_FLAGS,
  DOMAIN_SET_VCPUS_FLAGS,
  DOMAIN_SHUTDOWN_FLAGS,
  DOMAIN_UNDEFINE_FLAGS,
} from "./procedures.js";
import { typedValue, type DomainRef } from "./remote-types.js";
import { uuidText } from "./uuid.js";

/** `virDomainState` by name. */
export type DomainState = "nostate" | "running" | "blocked" | "paused" | "shutdown" | "shutoff" | "crashed" | "pmsuspended";
const STATES: readonly DomainState[] = ["nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended"];

/** A state number as its name (`nostate` for one this libvirt does not know). */
export function stateName(n: number): DomainState {
  return STATES[n] ?? "nostate";
}

/** One domain of the host with its state, as `virsh domstats --state` lists it. */
export interface ListedDomain {
  ref: DomainRef;
  name: string;
  uuid: string;
  state: DomainState;
  reason: number;
}

/** `VIR_DOMAIN_STATS_STATE`. */
const STATS_STATE = 1;

/**
 * Every domain on the host, active or not, with its state: one virConnectGetAllDomainStats call,
 * whatever the number of domains.
 */
export async function listDomains(c: RpcConnection): Promise<ListedDomain[]> {
  const { retStats } = await c.call(CONNECT_GET_ALL_DOMAIN_STATS, { doms: [], stats: STATS_STATE, flags: 0 });
  return retStats.map(({ dom, params }) => {
    const get = (field: string) => params.find((p) => p.field === field);
    const state = get("state.state");
    const reason = get("state.reason");
    return {
      ref: dom,
      name: dom.name,
      uuid: uuidText(dom.uuid),
      state: stateName(state !== undefined ? Number(typedValue(state)) : 0),
      reason: reason !== undefined ? Number(typedValue(reason)) : 0,
    };
  });
}

/** The domain of this exact name; undefined when libvirt has none (VIR_ERR_NO_DOMAIN). */
export async function lookupDomain(c: RpcConnection, name: string): Promise<DomainRef | undefined> {
  try {
    return (await c.call(DOMAIN_LOOKUP_BY_NAME, { name })).dom;
  } catch (e) {
    if (e instanceof LibvirtError && e.is("VIR_ERR_NO_DOMAIN")) return undefined;
    throw e;
  }
}

/** The domain of this exact name; libvirt's error (`Domain not found: …`) when there is none. */
export async function requireDomain(c: RpcConnection, name: string): Promise<DomainRef> {
  return (await c.call(DOMAIN_LOOKUP_BY_NAME, { name })).dom;
}

/** virDomainGetState: the state and libvirt's reason number for it. */
export async function domainState(c: RpcConnection, dom: DomainRef): Promise<{ state: DomainState; reason: number }> {
  const r = await c.call(DOMAIN_GET_STATE, { dom, flags: 0 });
  return { state: stateName(r.state), reason: r.reason };
}

/** `virDomainXMLFlags` by name: `inactive` is the persistent definition (`virsh dumpxml --inactive`). */
const XML_FLAGS = { secure: 1, inactive: 2, "update-cpu": 4, migratable: 8 } as const;

/** The domain's XML: the live definition, or with `inactive` the persistent one. */
export async function domainXml(c: RpcConnection, dom: DomainRef, flags: readonly (keyof typeof XML_FLAGS)[] = []): Promise<string> {
  return (await c.call(DOMAIN_GET_XML_DESC, { dom, flags: flagWord(XML_FLAGS, flags) })).xml;
}

/** Defines (or, for a domain of the same name and UUID, redefines) a domain from XML; `validate` checks it against libvirt's schema. */
export async function defineDomain(c: RpcConnection, xml: string, flags: readonly "validate"[] = []): Promise<DomainRef> {
  return (await c.call(DOMAIN_DEFINE_XML_FLAGS, { xml, flags: flagWord({ validate: 1 }, flags) })).dom;
}

/** `virDomainUndefineFlagsValues` by name. */
const UNDEFINE_FLAGS = { "managed-save": 1, "snapshots-metadata": 2, nvram: 4, "keep-nvram": 8, "checkpoints-metadata": 16 } as const;

/** virDomainUndefineFlags (`virsh undefine --snapshots-metadata --checkpoints-metadata --managed-save`). */
export async function undefineDomain(
  c: RpcConnection,
  dom: DomainRef,
  flags: readonly (keyof typeof UNDEFINE_FLAGS)[] = [],
): Promise<void> {
  await c.call(DOMAIN_UNDEFINE_FLAGS, { dom, flags: flagWord(UNDEFINE_FLAGS, flags) });
}

/** Starts a defined domain (`virsh start`); resolves to it with its new id. */
export async function startDomain(c: RpcConnection, dom: DomainRef): Promise<DomainRef> {
  return (await c.call(DOMAIN_CREATE_WITH_FLAGS, { dom, flags: 0 })).dom;
}

/** Asks the guest to shut down (`virsh shutdown`); returns once libvirt sent the request, not when it is off. */
export async function shutdownDomain(c: RpcConnection, dom: DomainRef): Promise<void> {
  await c.call(DOMAIN_SHUTDOWN_FLAGS, { dom, flags: 0 });
}

/** Stops the domain at once (`virsh destroy`). */
export async function destroyDomain(c: RpcConnection, dom: DomainRef): Promise<void> {
  await c.call(DOMAIN_DESTROY_FLAGS, { dom, flags: 0 });
}

/**
 * `virsh setmem`/`setmaxmem`: memory in KiB for `impact` (the persistent definition with
 * `config`); `maximum` sets the maximum (VIR_DOMAIN_MEM_MAXIMUM) instead of the current size.
 */
export async function setMemory(c: RpcConnection, dom: DomainRef, kib: number, impact: readonly Impact[], maximum = false): Promise<void> {
  const flags = flagWord(IMPACT, impact) | (maximum ? 4 : 0);
  await c.call(DOMAIN_SET_MEMORY_FLAGS, { dom, memory: BigInt(kib), flags });
}

/** `virsh setvcpus`: the vcpu count for `impact`; `maximum` sets the maximum (VIR_DOMAIN_VCPU_MAXIMUM). */
export async function setVcpus(c: RpcConnection, dom: DomainRef, count: number, impact: readonly Impact[], maximum = false): Promise<void> {
  const flags = flagWord(IMPACT, impact) | (maximum ? 4 : 0);
  await c.call(DOMAIN_SET_VCPUS_FLAGS, { dom, nvcpus: count, flags });
}
