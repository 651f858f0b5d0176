/**
 * The shape of a frost configuration, declared once and used by `check.ts` to report unknown keys
 * (with a did-you-mean), wrong types and missing required keys. Only structure lives here; the
 * meaning of values (sizes, names, cron, ...) is checked in `values.ts` and the builders.
 */

/** What a YAML node must look like. */
export type Shape =
  | { type: "string" }
  | { type: "boolean" }
  | { type: "integer" }
  /** A string, number or boolean scalar, kept for the builder to interpret (sizes, property values). */
  | { type: "scalar" }
  /** A string from a fixed set; with `booleans`, YAML true/false are accepted and read as "true"/"false". */
  | { type: "enum"; values: readonly string[]; booleans?: boolean }
  | { type: "list"; items: Shape }
  /** A mapping with a fixed set of keys. `what` names it in messages. */
  | { type: "record"; what: string; fields: Readonly<Record<string, Field>> }
  /** A mapping whose keys the user chooses (names); every value has the same shape. */
  | { type: "dict"; what: string; values: Shape }
  /** The first option whose node kind (scalar, list, mapping) matches is used. */
  | { type: "oneOf"; what: string; options: readonly Shape[] };

/** One key of a record. A `nullable` key (always a mapping) written with no value counts as an empty mapping. */
export interface Field {
  shape: Shape;
  required?: boolean;
  nullable?: boolean;
}

const str: Shape = { type: "string" };
const bool: Shape = { type: "boolean" };
const int: Shape = { type: "integer" };
const quiesce: Shape = { type: "enum", values: ["required", "preferred", "off"] };
const hooks: Shape = { type: "dict", what: "fsfreeze hooks (hook name: script path)", values: str };

export const hostShape: Shape = {
  type: "record",
  what: "host settings",
  fields: {
    kind: { shape: { type: "enum", values: ["libvirt", "openstack"] } },
    uri: { shape: str },
    pool: { shape: str },
    poolPath: { shape: str },
    domainType: { shape: { type: "enum", values: ["kvm", "qemu"] } },
    owner: { shape: str },
    apparmor: {
      shape: {
        type: "record",
        what: "AppArmor settings",
        fields: {
          manage: { shape: { type: "enum", values: ["auto", "true", "false"], booleans: true } },
          abstraction: { shape: str },
          rules: { shape: { type: "list", items: str } },
        },
      },
    },
    cloud: { shape: str },
    compute: { shape: { type: "dict", what: "compute hosts (Nova's host name: libvirt URI)", values: str }, nullable: true },
    trustNovaQuiesce: { shape: bool },
  },
};

export const imageShape: Shape = {
  type: "record",
  what: "image settings",
  fields: {
    source: { shape: str, required: true },
    format: { shape: { type: "enum", values: ["raw", "qcow2"] }, required: true },
    kernel: { shape: str },
    initrd: { shape: str },
    cmdline: { shape: str },
    properties: { shape: { type: "dict", what: "image properties (name: value)", values: { type: "scalar" } }, nullable: true },
    fsfreezeHooks: { shape: hooks, nullable: true },
  },
};

export const instanceShape: Shape = {
  type: "record",
  what: "instance settings",
  fields: {
    image: { shape: str },
    adopt: { shape: bool },
    host: { shape: str },
    agent: { shape: bool },
    quiesce: { shape: quiesce },
    memory: { shape: { type: "scalar" } },
    vcpus: { shape: int },
    state: { shape: { type: "enum", values: ["running", "stopped"] } },
    protect: { shape: bool },
    fsfreezeHooks: { shape: hooks, nullable: true },
    flavor: { shape: str },
    networks: {
      shape: {
        type: "oneOf",
        what: "a list of network names, or none",
        options: [
          { type: "list", items: str },
          { type: "enum", values: ["none"] },
        ],
      },
    },
  },
};

/** restic's `forget --keep-*` options, in their order. */
export const KEEP_COUNTS = ["last", "hourly", "daily", "weekly", "monthly", "yearly"] as const;
export const KEEP_DURATIONS = ["within", "withinHourly", "withinDaily", "withinWeekly", "withinMonthly", "withinYearly"] as const;

const keepFields: Record<string, Field> = {};
for (const k of KEEP_COUNTS) keepFields[k] = { shape: int };
for (const k of KEEP_DURATIONS) keepFields[k] = { shape: str };

export const scheduleShape: Shape = {
  type: "record",
  what: "schedule settings",
  fields: {
    instances: {
      shape: {
        type: "oneOf",
        what: "a list of instance names, or all",
        options: [
          { type: "list", items: str },
          { type: "enum", values: ["all"] },
        ],
      },
      required: true,
    },
    cron: { shape: str, required: true },
    timezone: { shape: str },
    quiesce: { shape: quiesce },
    keep: { shape: { type: "record", what: "retention (restic's --keep-* options)", fields: keepFields }, nullable: true },
    paused: { shape: bool },
  },
};

/** The top level of every configuration file. */
export const fileShape: Shape = {
  type: "record",
  what: "frost configuration",
  fields: {
    host: { shape: hostShape },
    hosts: { shape: { type: "dict", what: "hosts (name: host settings)", values: hostShape } },
    images: { shape: { type: "dict", what: "images (name: image settings)", values: imageShape }, nullable: true },
    instances: { shape: { type: "dict", what: "instances (name: instance settings)", values: instanceShape }, nullable: true },
    schedules: { shape: { type: "dict", what: "schedules (name: schedule settings)", values: scheduleShape }, nullable: true },
  },
};
