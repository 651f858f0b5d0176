import { double, int32, int64, opaque, option, struct, text, uint32, uint64, union, unionCase, field, type Infer } from "./xdr.js";

/**
 * The data types of libvirt's remote protocol that frost's procedures are made of, declared as
 * `src/remote/remote_protocol.x` declares them (names kept, so each one can be checked against it).
 */

/** `REMOTE_STRING_MAX`: the longest string libvirt sends or accepts (4 MiB). */
export const REMOTE_STRING_MAX = 4_194_304;
/** `REMOTE_DOMAIN_LIST_MAX`, `REMOTE_DOMAIN_SNAPSHOT_LIST_MAX`, `REMOTE_STORAGE_VOL_LIST_MAX`. */
export const REMOTE_LIST_MAX = 16_384;
/** `REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX`: records, and typed parameters in each. */
export const REMOTE_DOMAIN_STATS_MAX = 262_144;
/** `REMOTE_DOMAIN_FSFREEZE_MOUNTPOINTS_MAX`. */
export const REMOTE_FSFREEZE_MOUNTPOINTS_MAX = 256;
/** `REMOTE_DOMAIN_JOB_STATS_MAX`. */
export const REMOTE_JOB_STATS_MAX = 64;
/** `REMOTE_AUTH_TYPE_LIST_MAX`. */
export const REMOTE_AUTH_TYPE_LIST_MAX = 20;

/** `remote_nonnull_string`. */
export const nonnullString = text(REMOTE_STRING_MAX);
/** `remote_string`: a string that may be absent (null). */
export const optString = option(nonnullString);
/** `remote_uuid`: 16 raw bytes. */
export const uuid = opaque(16);

/** `remote_nonnull_domain`: how every domain call names its domain (name, UUID, and id while running, else -1). */
export const domainRef = struct("remote_nonnull_domain", { name: nonnullString, uuid, id: int32() });
export type DomainRef = Infer<typeof domainRef>;

/** `remote_domain`: a domain that may be absent. */
export const optDomain = option(domainRef);

/** `remote_nonnull_network`: only ever seen here inside an error. */
const networkRef = struct("remote_nonnull_network", { name: nonnullString, uuid });

/** `remote_nonnull_storage_pool`. */
export const poolRef = struct("remote_nonnull_storage_pool", { name: nonnullString, uuid });
export type PoolRef = Infer<typeof poolRef>;

/** `remote_nonnull_storage_vol`: its pool's name, its own name and its key (the path, for a directory pool). */
export const volumeRef = struct("remote_nonnull_storage_vol", { pool: nonnullString, name: nonnullString, key: nonnullString });
export type VolumeRef = Infer<typeof volumeRef>;

/** `remote_nonnull_domain_snapshot`: a snapshot is named by its own name and its domain. */
export const snapshotRef = struct("remote_nonnull_domain_snapshot", { name: nonnullString, dom: domainRef });
export type SnapshotRef = Infer<typeof snapshotRef>;

/** `remote_error` (also `virNetMessageError`): what libvirt sends in place of a reply that failed. */
export const remoteError = struct("remote_error", {
  code: int32(),
  domain: int32(),
  message: optString,
  level: int32(),
  dom: optDomain,
  str1: optString,
  str2: optString,
  str3: optString,
  int1: int32(),
  int2: int32(),
  net: option(networkRef),
});
export type RemoteError = Infer<typeof remoteError>;

/** `remote_typed_param_value`: the union of `virTypedParameter`, switched on `VIR_TYPED_PARAM_*`. */
const typedParamValue = union("remote_typed_param_value", {
  switchOn: int32(),
  cases: [
    unionCase("int", 1, field("i", int32())),
    unionCase("uint", 2, field("ui", uint32())),
    unionCase("llong", 3, field("l", int64())),
    unionCase("ullong", 4, field("ul", uint64())),
    unionCase("double", 5, field("d", double())),
    unionCase("boolean", 6, field("b", int32())),
    unionCase("string", 7, field("s", nonnullString)),
  ],
});

/** `remote_typed_param`: one named value of a statistics or job record. */
export const typedParam = struct("remote_typed_param", { field: nonnullString, value: typedParamValue });
export type TypedParam = Infer<typeof typedParam>;

/** A typed parameter's value as plain JavaScript (64-bit integers as bigint). */
export function typedValue(param: TypedParam): number | bigint | string | boolean {
  const v = param.value;
  switch (v.type) {
    case 1:
      return v.i;
    case 2:
      return v.ui;
    case 3:
      return v.l;
    case 4:
      return v.ul;
    case 5:
      return v.d;
    case 6:
      return v.b !== 0;
    case 7:
      return v.s;
  }
}
