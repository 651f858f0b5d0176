/**
 * The desired state, as the configuration declares it. Produced by `loadConfig`, consumed by the
 * planner. Every entity keeps the source position of its declaration so that plan-time problems
 * (an adopted domain that does not exist, say) can point back at the YAML.
 */

/** A position in a configuration file; line and col are 1-based. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** How AppArmor rules are managed on a host: `auto` acts only where AppArmor is enabled. */
export type AppArmorMode = "auto" | "true" | "false";

/** AppArmor settings of one host. `rules` are complete rule lines, each ending in a comma. */
export interface AppArmorSpec {
  manage: AppArmorMode;
  abstraction: string;
  rules: string[];
}

/**
 * One libvirt host. A config with `host:` has exactly one host, named `default`; a config with
 * `hosts:` names each. `uri` is a libvirt connection URI; `pool` a storage pool name.
 */
export interface HostSpec {
  name: string;
  /** `libvirt` (the default): a libvirt host at `uri`; `openstack`: an OpenStack cloud (Glance and Nova). */
  kind: "libvirt" | "openstack";
  /** The libvirt URI; for an OpenStack host, `openstack:` and the cloud's name (for messages only). */
  uri: string;
  pool: string;
  /** Where a missing `pool` is created as a directory pool (absolute); unset: a missing pool is an error. */
  poolPath?: string;
  /** libvirt's domain type for the domains frost creates: `kvm`, or `qemu` (TCG) where /dev/kvm is not usable. */
  domainType: "kvm" | "qemu";
  /**
   * Which configuration the domains frost creates belong to, recorded in each: only domains created
   * under the same owner (unset matches unset) are destroyed when no longer declared.
   */
  owner?: string;
  apparmor: AppArmorSpec;
  /** OpenStack: the clouds.yaml entry; unset: OS_CLOUD, else the OS_* variables. */
  cloud?: string;
  /**
   * OpenStack: libvirt URIs of the compute hosts frost may reach, by Nova's host name
   * (OS-EXT-SRV-ATTR:host). Through them frost pings a server's agent before asking Nova for a
   * snapshot that must be quiesced.
   */
  compute: Record<string, string>;
  /**
   * OpenStack: present when the host accepts Nova's own enforcement of a required quiesce that
   * frost cannot check (its agent ping needs the server's compute host under `compute:`): `key` is
   * the option's place in the configuration (`hosts.cloud.trustNovaQuiesce`), which every plan line
   * it affects names. Absent: such a snapshot is a plan error, as Nova snapshots without freezing
   * when the agent is disconnected.
   */
  trustNovaQuiesce?: { key: string; pos: SourcePos };
  pos: SourcePos;
}

/** Glance-style image properties frost understands, already read as booleans. */
export interface ImageSpec {
  name: string;
  /** Absolute path of the image file. */
  source: string;
  format: "raw" | "qcow2";
  /** Direct kernel boot (Glance's kernel_id, ramdisk_id, os_command_line): absolute paths on the host, and the command line. */
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  /** Every property as written (values as strings), including ones frost does not act on. */
  properties: Record<string, string>;
  /** `hw_qemu_guest_agent`: instances from this image get the agent channel. */
  agent: boolean;
  /** `os_require_quiesce`: snapshots of instances from this image must be quiesced or fail. */
  requireQuiesce: boolean;
  /** Hook name -> absolute path of the script on the machine running frost. */
  fsfreezeHooks: Record<string, string>;
  pos: SourcePos;
}

/** Whether a snapshot must be quiesced (`required`), should be (`preferred`), or is not (`off`). */
export type QuiescePolicy = "required" | "preferred" | "off";

/** The power state an instance should be in. */
export type PowerState = "running" | "stopped";

/**
 * One instance: either created by frost from `image`, or an existing domain adopted with
 * `adopt: true` (exactly one of the two). Unset optional fields are not managed.
 */
export interface InstanceSpec {
  name: string;
  /** Name of the host (`default` for a single-host config). */
  host: string;
  image?: string;
  adopt: boolean;
  /** Explicit agent wish; when unset, the image's `hw_qemu_guest_agent` decides (if any). */
  agent?: boolean;
  quiesce?: QuiescePolicy;
  /** Bytes. */
  memory?: number;
  vcpus?: number;
  state?: PowerState;
  protect: boolean;
  fsfreezeHooks: Record<string, string>;
  /** OpenStack: the flavor a server is created with (by name). */
  flavor?: string;
  /** OpenStack: the networks (by name) a server is created on, or `none`. Unset: `none`. */
  networks?: "none" | string[];
  /** Where keys that only some kinds of host accept were written, for messages. */
  written?: Partial<Record<"memory" | "vcpus" | "flavor" | "networks" | "fsfreezeHooks", SourcePos>>;
  pos: SourcePos;
}

/** restic `forget --keep-*` semantics; counts of -1 mean unlimited; durations are restic's (`1y2m3d4h`). */
export interface KeepPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  within?: string;
  withinHourly?: string;
  withinDaily?: string;
  withinWeekly?: string;
  withinMonthly?: string;
  withinYearly?: string;
}

/** A snapshot schedule. `instances` is a list of instance names or `all`. */
export interface ScheduleSpec {
  name: string;
  instances: string[] | "all";
  cron: string;
  timezone: string;
  /** Unset: required where the instance or its image requires quiesce, else preferred. */
  quiesce?: QuiescePolicy;
  keep: KeepPolicy;
  paused: boolean;
  pos: SourcePos;
}

/** Everything the configuration declares, merged across files. Names are unique per kind. */
export interface DesiredState {
  /** The files read, in order. */
  files: string[];
  hosts: Record<string, HostSpec>;
  images: Record<string, ImageSpec>;
  instances: Record<string, InstanceSpec>;
  schedules: Record<string, ScheduleSpec>;
}
