import { FROST_VERSION } from "../../version.js";
import type { QuiescePolicy } from "../../config/types.js";

/**
 * How frost marks what it creates on OpenStack, so that the cloud is the record (no state file):
 * image properties on the Glance images it uploads and on the snapshot images it asks Nova for,
 * and metadata on the servers it creates. Whatever lacks these marks is not frost's: frost never
 * deletes it and never changes its properties beyond what the configuration declares.
 */
export const MARK = {
  /** On an uploaded image: the configuration's image name; on a kernel/ramdisk part, with `part`. */
  image: "frost_image",
  part: "frost_image_part",
  sha256: "frost_sha256",
  /** The declared properties frost last applied (JSON), to tell drift from a change of the configuration. */
  applied: "frost_applied",
  owner: "frost_owner",
  /** On a server frost created. */
  createdBy: "frost_created_by",
  /** On a server frost created with protect: true: never destroyed. */
  protect: "frost_protect",
  /** On a server: the agent properties of the image at boot (Nova copies them then, and only then). */
  boot: "frost_boot",
  /** On a snapshot image. */
  snapshot: "frost_snapshot",
  instance: "frost_instance",
  schedule: "frost_schedule",
  scheduledAt: "frost_scheduled_at",
  takenAt: "frost_taken_at",
  quiesce: "frost_quiesce",
  consistency: "frost_consistency",
  version: "frost_version",
} as const;

/** Glance refuses values longer than this (and Nova metadata values too). */
export const MAX_VALUE = 255;

/**
 * An image frost uploaded as declared image `image` (its `part`, or the image itself), never a
 * snapshot: Nova copies a server's image properties into the snapshot images it makes, frost's marks
 * included, so a snapshot of a server booted from `image` carries `frost_image` too.
 */
export function isUploaded(properties: Record<string, string>, image: string, part?: "kernel" | "ramdisk"): boolean {
  return (
    properties[MARK.image] === image &&
    properties[MARK.part] === part &&
    properties[MARK.snapshot] === undefined &&
    properties["image_type"] !== "snapshot"
  );
}

/** The agent-relevant properties of an image at a server's boot: `hw_qemu_guest_agent=yes;os_require_quiesce=no`. */
export interface BootProperties {
  agent: boolean;
  requireQuiesce: boolean;
}

export function encodeBoot(p: BootProperties): string {
  return `hw_qemu_guest_agent=${p.agent ? "yes" : "no"};os_require_quiesce=${p.requireQuiesce ? "yes" : "no"}`;
}

export function decodeBoot(value: string | undefined): BootProperties | undefined {
  if (value === undefined) return undefined;
  const m = /^hw_qemu_guest_agent=(yes|no);os_require_quiesce=(yes|no)$/.exec(value);
  return m ? { agent: m[1] === "yes", requireQuiesce: m[2] === "yes" } : undefined;
}

/** Glance's boolean property forms (oslo's strutils): yes/true/1/on/y/t, any case. */
export function truthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|t|true|on|y|yes)$/i.test(value.trim());
}

/** How a snapshot through Nova's createImage came out, as frost can know it. */
export type NovaConsistency = "filesystem" | "crash" | "unverified";

/** frost's record of one snapshot image, read back from its properties. */
export interface NovaSnapshotRecord {
  instance: string;
  schedule?: string;
  scheduledAt?: string;
  takenAt: string;
  quiesce: QuiescePolicy;
  consistency: NovaConsistency;
}

/** The properties frost gives a snapshot image (sent with createImage, so they are there from the start). */
export function snapshotProperties(r: NovaSnapshotRecord, owner: string | undefined): Record<string, string> {
  return {
    [MARK.snapshot]: "v1",
    [MARK.instance]: r.instance,
    ...(r.schedule !== undefined ? { [MARK.schedule]: r.schedule } : {}),
    ...(r.scheduledAt !== undefined ? { [MARK.scheduledAt]: r.scheduledAt } : {}),
    [MARK.takenAt]: r.takenAt,
    [MARK.quiesce]: r.quiesce,
    [MARK.consistency]: r.consistency,
    [MARK.version]: FROST_VERSION,
    ...(owner !== undefined ? { [MARK.owner]: owner } : {}),
  };
}

/** frost's record of a snapshot image, or undefined when frost did not take it. */
export function readSnapshotRecord(properties: Record<string, string>): NovaSnapshotRecord | undefined {
  if (properties[MARK.snapshot] !== "v1") return undefined;
  const instance = properties[MARK.instance];
  const takenAt = properties[MARK.takenAt];
  if (instance === undefined || takenAt === undefined) return undefined;
  const quiesce = properties[MARK.quiesce];
  const consistency = properties[MARK.consistency];
  return {
    instance,
    ...(properties[MARK.schedule] !== undefined ? { schedule: properties[MARK.schedule] } : {}),
    ...(properties[MARK.scheduledAt] !== undefined ? { scheduledAt: properties[MARK.scheduledAt] } : {}),
    takenAt,
    quiesce: quiesce === "required" || quiesce === "off" ? quiesce : "preferred",
    consistency: consistency === "filesystem" || consistency === "crash" ? consistency : "unverified",
  };
}

/** The `frost_applied` value for a set of declared properties; undefined when it would not fit. */
export function encodeApplied(properties: Record<string, string>): string | undefined {
  const sorted = Object.fromEntries(Object.entries(properties).sort(([a], [b]) => a.localeCompare(b)));
  const text = JSON.stringify(sorted);
  return text.length <= MAX_VALUE ? text : undefined;
}

export function decodeApplied(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"));
  } catch {
    return undefined;
  }
}
