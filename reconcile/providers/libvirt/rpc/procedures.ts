import type { ProgramName } from "./programs.js";
import {
  REMOTE_AUTH_TYPE_LIST_MAX,
  REMOTE_DOMAIN_STATS_MAX,
  REMOTE_FSFREEZE_MOUNTPOINTS_MAX,
  REMOTE_LIST_MAX,
  domainRef,
  nonnullString,
  optDomain,
  optString,
  poolRef,
  snapshotRef,
  typedParam,
  volumeRef,
  type DomainRef,
} from "./remote-types.js";
import { array, int32, struct, uint32, uint64, xdrVoid, type XdrType } from "./xdr.js";

/**
 * One procedure of a program: its number, the name of the libvirt API it implements (what error
 * messages name), and the XDR types of its arguments and its reply. Calls are typed by these:
 * `connection.call(DOMAIN_GET_XML_DESC, { dom, flags })` resolves to `{ xml: string }`.
 */
export interface Procedure<A, R> {
  readonly program: ProgramName;
  readonly number: number;
  readonly api: string;
  readonly args: XdrType<A>;
  readonly ret: XdrType<R>;
}

const none = xdrVoid();

function remote<A, R>(number: number, api: string, args: XdrType<A>, ret: XdrType<R>): Procedure<A, R> {
  return { program: "remote", number, api, args, ret };
}

/** A domain and flags: the arguments of most domain calls. */
const domFlags = struct("dom_flags", { dom: domainRef, flags: uint32() });
const domOnly = struct("dom_only", { dom: domainRef });
const retDom = struct("ret_dom", { dom: domainRef });
const retXml = struct("ret_xml", { xml: nonnullString });
const poolOnly = struct("pool_only", { pool: poolRef });
const poolFlags = struct("pool_flags", { pool: poolRef, flags: uint32() });
const retPool = struct("ret_pool", { pool: poolRef });
const retVol = struct("ret_vol", { vol: volumeRef });
const retFilesystems = struct("ret_filesystems", { filesystems: int32() });
const retSupported = struct("ret_supported", { supported: int32() });

// ---- connection ----
export const AUTH_LIST = remote(66, "authList", none, struct("remote_auth_list_ret", { types: array(int32(), REMOTE_AUTH_TYPE_LIST_MAX) }));
export const CONNECT_SUPPORTS_FEATURE = remote(
  60,
  "virConnectSupportsFeature",
  struct("remote_connect_supports_feature_args", { feature: int32() }),
  retSupported,
);
export const CONNECT_OPEN = remote(1, "virConnectOpen", struct("remote_connect_open_args", { name: optString, flags: uint32() }), none);
export const CONNECT_CLOSE = remote(2, "virConnectClose", none, none);
export const CONNECT_GET_CAPABILITIES = remote(
  7,
  "virConnectGetCapabilities",
  none,
  struct("remote_connect_get_capabilities_ret", { capabilities: nonnullString }),
);
export const CONNECT_GET_LIB_VERSION = remote(
  157,
  "virConnectGetLibVersion",
  none,
  struct("remote_connect_get_lib_version_ret", { libVer: uint64() }),
);

// ---- domains: listing, definitions, state ----
export const CONNECT_LIST_ALL_DOMAINS = remote(
  273,
  "virConnectListAllDomains",
  struct("remote_connect_list_all_domains_args", { needResults: int32(), flags: uint32() }),
  struct("remote_connect_list_all_domains_ret", { domains: array(domainRef, REMOTE_LIST_MAX), ret: uint32() }),
);
export const CONNECT_GET_ALL_DOMAIN_STATS = remote(
  344,
  "virConnectGetAllDomainStats",
  struct("remote_connect_get_all_domain_stats_args", { doms: array(domainRef, REMOTE_LIST_MAX), stats: uint32(), flags: uint32() }),
  struct("remote_connect_get_all_domain_stats_ret", {
    retStats: array(
      struct("remote_domain_stats_record", { dom: domainRef, params: array(typedParam, REMOTE_DOMAIN_STATS_MAX) }),
      REMOTE_DOMAIN_STATS_MAX,
    ),
  }),
);
export const DOMAIN_LOOKUP_BY_NAME = remote(
  23,
  "virDomainLookupByName",
  struct("remote_domain_lookup_by_name_args", { name: nonnullString }),
  retDom,
);
export const DOMAIN_GET_STATE = remote(
  212,
  "virDomainGetState",
  domFlags,
  struct("remote_domain_get_state_ret", { state: int32(), reason: int32() }),
);
export const DOMAIN_GET_XML_DESC = remote(14, "virDomainGetXMLDesc", domFlags, retXml);
export const DOMAIN_DEFINE_XML_FLAGS = remote(
  350,
  "virDomainDefineXMLFlags",
  struct("remote_domain_define_xml_flags_args", { xml: nonnullString, flags: uint32() }),
  retDom,
);
export const DOMAIN_UNDEFINE_FLAGS = remote(231, "virDomainUndefineFlags", domFlags, none);
export const DOMAIN_CREATE_WITH_FLAGS = remote(196, "virDomainCreateWithFlags", domFlags, retDom);
export const DOMAIN_SHUTDOWN_FLAGS = remote(258, "virDomainShutdownFlags", domFlags, none);
export const DOMAIN_DESTROY_FLAGS = remote(234, "virDomainDestroyFlags", domFlags, none);
export const DOMAIN_SET_MEMORY_FLAGS = remote(
  204,
  "virDomainSetMemoryFlags",
  struct("remote_domain_set_memory_flags_args", { dom: domainRef, memory: uint64(), flags: uint32() }),
  none,
);
export const DOMAIN_SET_VCPUS_FLAGS = remote(
  199,
  "virDomainSetVcpusFlags",
  struct("remote_domain_set_vcpus_flags_args", { dom: domainRef, nvcpus: uint32(), flags: uint32() }),
  none,
);

// ---- domains: devices, metadata, jobs, disks ----
const domXmlFlags = struct("remote_domain_attach_device_flags_args", { dom: domainRef, xml: nonnullString, flags: uint32() });
export const DOMAIN_ATTACH_DEVICE_FLAGS = remote(160, "virDomainAttachDeviceFlags", domXmlFlags, none);
export const DOMAIN_DETACH_DEVICE_FLAGS = remote(161, "virDomainDetachDeviceFlags", domXmlFlags, none);
export const DOMAIN_DETACH_DEVICE_ALIAS = remote(
  392,
  "virDomainDetachDeviceAlias",
  struct("remote_domain_detach_device_alias_args", { dom: domainRef, alias: nonnullString, flags: uint32() }),
  none,
);
export const DOMAIN_GET_METADATA = remote(
  265,
  "virDomainGetMetadata",
  struct("remote_domain_get_metadata_args", { dom: domainRef, type: int32(), uri: optString, flags: uint32() }),
  struct("remote_domain_get_metadata_ret", { metadata: nonnullString }),
);
export const DOMAIN_SET_METADATA = remote(
  264,
  "virDomainSetMetadata",
  struct("remote_domain_set_metadata_args", {
    dom: domainRef,
    type: int32(),
    metadata: optString,
    key: optString,
    uri: optString,
    flags: uint32(),
  }),
  none,
);
export const DOMAIN_GET_JOB_INFO = remote(
  163,
  "virDomainGetJobInfo",
  domOnly,
  struct("remote_domain_get_job_info_ret", {
    type: int32(),
    timeElapsed: uint64(),
    timeRemaining: uint64(),
    dataTotal: uint64(),
    dataProcessed: uint64(),
    dataRemaining: uint64(),
    memTotal: uint64(),
    memProcessed: uint64(),
    memRemaining: uint64(),
    fileTotal: uint64(),
    fileProcessed: uint64(),
    fileRemaining: uint64(),
  }),
);
export const DOMAIN_GET_BLOCK_INFO = remote(
  194,
  "virDomainGetBlockInfo",
  struct("remote_domain_get_block_info_args", { dom: domainRef, path: nonnullString, flags: uint32() }),
  struct("remote_domain_get_block_info_ret", { allocation: uint64(), capacity: uint64(), physical: uint64() }),
);

// ---- domains: guest filesystems ----
const fsArgs = struct("remote_domain_fsfreeze_args", {
  dom: domainRef,
  mountpoints: array(nonnullString, REMOTE_FSFREEZE_MOUNTPOINTS_MAX),
  flags: uint32(),
});
export const DOMAIN_FSFREEZE = remote(335, "virDomainFSFreeze", fsArgs, retFilesystems);
export const DOMAIN_FSTHAW = remote(336, "virDomainFSThaw", fsArgs, retFilesystems);

// ---- snapshots ----
export const DOMAIN_LIST_ALL_SNAPSHOTS = remote(
  274,
  "virDomainListAllSnapshots",
  struct("remote_domain_list_all_snapshots_args", { dom: domainRef, needResults: int32(), flags: uint32() }),
  struct("remote_domain_list_all_snapshots_ret", { snapshots: array(snapshotRef, REMOTE_LIST_MAX), ret: int32() }),
);
export const DOMAIN_SNAPSHOT_GET_XML_DESC = remote(
  186,
  "virDomainSnapshotGetXMLDesc",
  struct("remote_domain_snapshot_get_xml_desc_args", { snap: snapshotRef, flags: uint32() }),
  retXml,
);
export const DOMAIN_SNAPSHOT_CREATE_XML = remote(
  185,
  "virDomainSnapshotCreateXML",
  struct("remote_domain_snapshot_create_xml_args", { dom: domainRef, xmlDesc: nonnullString, flags: uint32() }),
  struct("remote_domain_snapshot_create_xml_ret", { snap: snapshotRef }),
);
export const DOMAIN_SNAPSHOT_DELETE = remote(
  193,
  "virDomainSnapshotDelete",
  struct("remote_domain_snapshot_delete_args", { snap: snapshotRef, flags: uint32() }),
  none,
);

// ---- storage pools ----
export const STORAGE_POOL_LOOKUP_BY_NAME = remote(
  84,
  "virStoragePoolLookupByName",
  struct("remote_storage_pool_lookup_by_name_args", { name: nonnullString }),
  retPool,
);
export const STORAGE_POOL_GET_INFO = remote(
  87,
  "virStoragePoolGetInfo",
  poolOnly,
  struct("remote_storage_pool_get_info_ret", { state: uint32(), capacity: uint64(), allocation: uint64(), available: uint64() }),
);
export const STORAGE_POOL_GET_XML_DESC = remote(88, "virStoragePoolGetXMLDesc", poolFlags, retXml);
export const STORAGE_POOL_DEFINE_XML = remote(
  77,
  "virStoragePoolDefineXML",
  struct("remote_storage_pool_define_xml_args", { xml: nonnullString, flags: uint32() }),
  retPool,
);
export const STORAGE_POOL_BUILD = remote(79, "virStoragePoolBuild", poolFlags, none);
export const STORAGE_POOL_CREATE = remote(78, "virStoragePoolCreate", poolFlags, none);
export const STORAGE_POOL_SET_AUTOSTART = remote(
  90,
  "virStoragePoolSetAutostart",
  struct("remote_storage_pool_set_autostart_args", { pool: poolRef, autostart: int32() }),
  none,
);
export const STORAGE_POOL_REFRESH = remote(83, "virStoragePoolRefresh", poolFlags, none);
export const STORAGE_POOL_LIST_ALL_VOLUMES = remote(
  282,
  "virStoragePoolListAllVolumes",
  struct("remote_storage_pool_list_all_volumes_args", { pool: poolRef, needResults: int32(), flags: uint32() }),
  struct("remote_storage_pool_list_all_volumes_ret", { vols: array(volumeRef, REMOTE_LIST_MAX), ret: uint32() }),
);

// ---- storage volumes ----
export const STORAGE_VOL_LOOKUP_BY_NAME = remote(
  95,
  "virStorageVolLookupByName",
  struct("remote_storage_vol_lookup_by_name_args", { pool: poolRef, name: nonnullString }),
  retVol,
);
export const STORAGE_VOL_GET_PATH = remote(
  100,
  "virStorageVolGetPath",
  struct("remote_storage_vol_get_path_args", { vol: volumeRef }),
  struct("remote_storage_vol_get_path_ret", { name: nonnullString }),
);
export const STORAGE_VOL_GET_INFO = remote(
  98,
  "virStorageVolGetInfo",
  struct("remote_storage_vol_get_info_args", { vol: volumeRef }),
  struct("remote_storage_vol_get_info_ret", { type: int32(), capacity: uint64(), allocation: uint64() }),
);
export const STORAGE_VOL_CREATE_XML = remote(
  93,
  "virStorageVolCreateXML",
  struct("remote_storage_vol_create_xml_args", { pool: poolRef, xml: nonnullString, flags: uint32() }),
  retVol,
);
export const STORAGE_VOL_DELETE = remote(
  94,
  "virStorageVolDelete",
  struct("remote_storage_vol_delete_args", { vol: volumeRef, flags: uint32() }),
  none,
);
/** The call that opens an upload stream: the data follows as stream packets of the same serial. */
export const STORAGE_VOL_UPLOAD = remote(
  208,
  "virStorageVolUpload",
  struct("remote_storage_vol_upload_args", { vol: volumeRef, offset: uint64(), length: uint64(), flags: uint32() }),
  none,
);

// ---- events ----
export const CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY = remote(
  316,
  "virConnectDomainEventRegisterAny",
  struct("remote_connect_domain_event_callback_register_any_args", { eventID: int32(), dom: optDomain }),
  struct("remote_connect_domain_event_callback_register_any_ret", { callbackID: int32() }),
);
export const CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY = remote(
  317,
  "virConnectDomainEventDeregisterAny",
  struct("remote_connect_domain_event_callback_deregister_any_args", { callbackID: int32() }),
  none,
);
/** Event messages (sent by libvirt, never called): their numbers and payloads. */
export const DOMAIN_EVENT_CALLBACK_LIFECYCLE = {
  number: 318,
  payload: struct("remote_domain_event_callback_lifecycle_msg", {
    callbackID: int32(),
    msg: struct("remote_domain_event_lifecycle_msg", { dom: domainRef, event: int32(), detail: int32() }),
  }),
};
export const DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE = {
  number: 348,
  payload: struct("remote_domain_event_callback_agent_lifecycle_msg", {
    callbackID: int32(),
    dom: domainRef,
    state: int32(),
    reason: int32(),
  }),
};

// ---- the QEMU program ----
/**
 * `QEMU_PROC_DOMAIN_AGENT_COMMAND`: one JSON command to the guest agent. `timeout` is libvirt's
 * own, in seconds (-2 block, -1 libvirt's default, 0 do not wait): libvirt gives up on a hung
 * agent itself and answers, so the call never holds the connection.
 */
export const QEMU_DOMAIN_AGENT_COMMAND: Procedure<
  { dom: DomainRef; cmd: string; timeout: number; flags: number },
  { result: string | null }
> = {
  program: "qemu",
  number: 3,
  api: "virDomainQemuAgentCommand",
  args: struct("qemu_domain_agent_command_args", { dom: domainRef, cmd: nonnullString, timeout: int32(), flags: uint32() }),
  ret: struct("qemu_domain_agent_command_ret", { result: optString }),
};
