/**
 * frost's record in a domain: what frost last applied to it, kept in the domain's own `<metadata>`
 * under frost's XML namespace, so that the hypervisor stays the record (no private state file).
 * Every field is optional: an adopted domain carries only `agent`; a domain frost created also
 * carries `createdBy`, the image it was created from (name and content digest), and the memory
 * (bytes) and vcpus frost defined. A later observation that differs from the record is drift:
 * something outside frost changed the domain.
 */
export interface FrostRecord {
  /** The guest-agent channel frost last made the persistent definition have. */
  agent?: boolean;
  createdBy?: "frost";
  image?: string;
  /** `sha256:<hex>` of the image's content. */
  digest?: string;
  memory?: number;
  vcpus?: number;
  /** The volume (in the host's pool) frost created as the domain's disk: the only disk a destroy removes. */
  disk?: string;
  /** The configuration's `host.owner` when frost created the domain. */
  owner?: string;
  /** The power state frost last put the domain in (`state:`), when it manages it. */
  state?: "running" | "stopped";
  /** The instance was declared `protect: true`: frost never destroys or replaces it, even once it is no longer declared. */
  protect?: boolean;
  /**
   * The UUID frost gave the domain it defined, and the name it defined it under. A domain defined
   * from a copy of that domain's XML carries the same record under another UUID, and one renamed
   * outside frost under another name: frost believes `createdBy` only where both match (see
   * plan/frost-identity.ts). Records written before frost recorded them have neither.
   */
  uuid?: string;
  name?: string;
}

/** The XML namespace of frost's `<metadata>` element, and the prefix libvirt writes it with. */
export const FROST_METADATA_NS = "https://frost.invalid/xmlns/frost/1";
export const FROST_METADATA_KEY = "frost";
