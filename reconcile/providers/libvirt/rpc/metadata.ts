import type { RpcConnection } from "./connection.js";
import { LibvirtError } from "./errors.js";
import { IMPACT, flagWord, type Impact } from "./flags.js";
import { DOMAIN_GET_METADATA, DOMAIN_SET_METADATA } from "./procedures.js";
import type { DomainRef } from "./remote-types.js";

/** `VIR_DOMAIN_METADATA_ELEMENT`: an application's own XML element under `<metadata>`, keyed by its namespace URI. */
const METADATA_ELEMENT = 2;

/**
 * `virsh metadata --uri URI`: the element of namespace `uri` in the domain's `<metadata>` (from
 * the live or persistent definition per `impact`); undefined when there is none.
 */
export async function getMetadata(
  c: RpcConnection,
  dom: DomainRef,
  uri: string,
  impact: readonly Impact[] = [],
): Promise<string | undefined> {
  try {
    return (await c.call(DOMAIN_GET_METADATA, { dom, type: METADATA_ELEMENT, uri, flags: flagWord(IMPACT, impact) })).metadata;
  } catch (e) {
    if (e instanceof LibvirtError && e.is("VIR_ERR_NO_DOMAIN_METADATA")) return undefined;
    throw e;
  }
}

/**
 * `virsh metadata --uri URI --key KEY --set XML`: writes (or with `xml` null removes) the element of
 * namespace `uri`, its prefix `key`.
 */
export async function setMetadata(
  c: RpcConnection,
  dom: DomainRef,
  element: { uri: string; key: string; xml: string | null },
  impact: readonly Impact[] = [],
): Promise<void> {
  await c.call(DOMAIN_SET_METADATA, {
    dom,
    type: METADATA_ELEMENT,
    metadata: element.xml,
    key: element.xml === null ? null : element.key,
    uri: element.uri,
    flags: flagWord(IMPACT, impact),
  });
}
