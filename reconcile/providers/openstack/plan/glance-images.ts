import type { DesiredState, HostSpec, ImageSpec } from "../../../config/types.js";
import type { Diagnostic } from "../../../diagnostics.js";
import type { ImageObservation } from "../../../images/image-facts.js";
import type { Remark } from "../../../model.js";
import type { OpenStackChange } from "../steps-model.js";
import { imagesFor } from "../../../config/derived.js";
import type { GlanceImage, ImagePatchOp } from "../cloud.js";
import { MARK, decodeApplied, encodeApplied, isUploaded } from "../markers.js";
import type { OpenStackFacts } from "../observe.js";
import type { PlannedFile } from "../steps-model.js";
import { imageAddress } from "./addresses.js";

/** What planning the Glance images of one host gave; `current` is each image's Glance image, where it exists. */
export interface GlancePlan {
  changes: OpenStackChange[];
  drift: OpenStackChange[];
  remarks: Remark[];
  diagnostics: Diagnostic[];
  current: Record<string, GlanceImage>;
  /** The content each declared image must have (sha256:...), where its source could be read. */
  digests: Record<string, string>;
}

/** The properties that decide what Nova does with a server, and that Nova reads only at boot. */
export const BOOT_PROPERTIES = ["hw_qemu_guest_agent", "os_require_quiesce"];

/**
 * Plans the declared images on an OpenStack host. Each is one Glance image frost uploaded
 * (`frost_image` = its name, `frost_sha256` = its content): uploaded, with its properties, when no
 * such image holds the declared content; otherwise its declared properties are patched where Glance
 * differs. frost removes a property only if it set it before (`frost_applied`), and a property
 * frost set that someone changed since is reported as drift. Images frost did not upload are
 * never touched. Pure.
 */
export function planGlanceImages(
  host: HostSpec,
  desired: DesiredState,
  facts: OpenStackFacts,
  sources: Record<string, ImageObservation>,
): GlancePlan {
  const out: GlancePlan = { changes: [], drift: [], remarks: [], diagnostics: [], current: {}, digests: {} };
  for (const image of imagesFor(host, desired)) {
    const source = sources[image.name];
    if (!source || source.status !== "read") {
      out.diagnostics.push(unreadable(image, source?.status === "unreadable" ? source.error : "not read"));
      continue;
    }
    if (source.facts.format !== image.format) {
      out.diagnostics.push({
        severity: "error",
        code: "plan.image-format",
        summary: `image ${image.name}: ${image.source} is ${source.facts.format}, not ${image.format} as declared`,
        detail: `write format: ${source.facts.format}, or point source: at a ${image.format} file`,
        pos: image.pos,
        source: "user",
      });
      continue;
    }
    out.digests[image.name] = source.facts.digest;
    const mine = facts.images.filter((g) => isUploaded(g.properties, image.name));
    const current = mine
      .filter((g) => g.properties[MARK.sha256] === source.facts.digest && g.status === "active")
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (!current) {
      const upload = planUpload(host.name, image, source.facts.digest, source.facts.bytes, facts, host.owner);
      if ("diagnostic" in upload) out.diagnostics.push(upload.diagnostic);
      else out.changes.push(upload.change);
      const stale = mine.filter((g) => g.status !== "active");
      if (stale.length > 0) {
        out.remarks.push({
          host: host.name,
          address: imageAddress(image.name),
          message: `Glance holds ${stale.length} unfinished upload(s) of it (${stale.map((g) => `${g.id}: ${g.status}`).join(", ")}); frost uploads anew and leaves those alone`,
        });
      }
      continue;
    }
    out.current[image.name] = current;
    const patch = planProperties(host.name, image, current);
    if (patch.change) out.changes.push(patch.change);
    if (patch.drift) out.drift.push(patch.drift);
  }
  return out;
}

function planUpload(
  host: string,
  image: ImageSpec,
  digest: string,
  bytes: number,
  facts: OpenStackFacts,
  owner: string | undefined,
): { change: OpenStackChange } | { diagnostic: Diagnostic } {
  const part = (path: string | undefined): PlannedFile | undefined | Diagnostic => {
    if (path === undefined) return undefined;
    const f = facts.files[path];
    if (!f || f.status !== "read") return unreadable(image, `${path}: ${f?.status === "unreadable" ? f.error : "not read"}`);
    return { path, digest: f.digest, bytes: f.bytes };
  };
  const kernel = part(image.kernel);
  const ramdisk = part(image.initrd);
  if (kernel && "severity" in kernel) return { diagnostic: kernel };
  if (ramdisk && "severity" in ramdisk) return { diagnostic: ramdisk };
  const applied = encodeApplied(image.properties);
  const properties: Record<string, string> = {
    ...image.properties,
    [MARK.image]: image.name,
    [MARK.sha256]: digest,
    ...(applied !== undefined ? { [MARK.applied]: applied } : {}),
    ...(owner !== undefined ? { [MARK.owner]: owner } : {}),
  };
  return {
    change: {
      host,
      address: imageAddress(image.name),
      action: "create",
      before: {},
      after: { ...image.properties, content: digest },
      reason: `upload ${image.source} to Glance (${digest.slice(0, 19)}…)${kernel ? ", with its kernel and ramdisk" : ""}`,
      steps: [
        {
          kind: "openstack-upload-image",
          image: image.name,
          file: { path: image.source, digest, bytes },
          diskFormat: image.format,
          ...(kernel ? { kernel } : {}),
          ...(ramdisk ? { ramdisk } : {}),
          ...(image.cmdline !== undefined ? { cmdline: image.cmdline } : {}),
          properties,
        },
      ],
      notes:
        applied === undefined
          ? ["the declared properties are too long to record; a later change outside frost will not show as drift"]
          : [],
    },
  };
}

/** The property patch that makes Glance hold the declared properties, and the drift frost sees. */
function planProperties(host: string, image: ImageSpec, current: GlanceImage): { change?: OpenStackChange; drift?: OpenStackChange } {
  const observed = current.properties;
  const declared = image.properties;
  const applied = decodeApplied(observed[MARK.applied]) ?? {};
  const ops: ImagePatchOp[] = [];
  const expect: Record<string, string | null> = {};
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(declared)) {
    if (observed[key] === value) continue;
    ops.push({ op: "add", path: `/${key}`, value });
    expect[key] = observed[key] ?? null;
    before[key] = observed[key] ?? null;
    after[key] = value;
  }
  for (const key of Object.keys(applied)) {
    if (key in declared || observed[key] === undefined) continue;
    ops.push({ op: "remove", path: `/${key}` });
    expect[key] = observed[key] ?? null;
    before[key] = observed[key];
    after[key] = null;
  }
  const record = encodeApplied(declared);
  if (ops.length > 0 || (record !== undefined && observed[MARK.applied] !== record)) {
    if (record !== undefined) ops.push({ op: "add", path: `/${MARK.applied}`, value: record });
    expect[MARK.applied] = observed[MARK.applied] ?? null;
  }

  let drift: OpenStackChange | undefined;
  const outside = Object.entries(applied).filter(([k, v]) => observed[k] !== v);
  if (outside.length > 0) {
    drift = {
      host,
      address: imageAddress(image.name),
      action: "update",
      before: Object.fromEntries(outside.map(([k, v]) => [k, v])),
      after: Object.fromEntries(outside.map(([k]) => [k, observed[k] ?? null])),
      reason: `changed outside frost in Glance image ${current.id}: ${outside.map(([k, v]) => `${k} ${JSON.stringify(v)} → ${JSON.stringify(observed[k] ?? null)}`).join(", ")}`,
      steps: [],
      notes: [],
    };
  }
  const userOps = ops.filter((o) => o.path !== `/${MARK.applied}`);
  if (ops.length === 0) return drift ? { drift } : {};
  const keys = userOps.map((o) => o.path.slice(1));
  const notes = keys.some((k) => BOOT_PROPERTIES.includes(k))
    ? [
        "Nova reads hw_qemu_guest_agent and os_require_quiesce when a server boots: servers already running from this image keep the old values until rebuilt",
      ]
    : [];
  const change: OpenStackChange = {
    host,
    address: imageAddress(image.name),
    action: "update",
    before,
    after,
    reason:
      userOps.length > 0
        ? `set properties of Glance image ${current.id}: ${keys.join(", ")}`
        : `record the declared properties on Glance image ${current.id}`,
    steps: [{ kind: "openstack-patch-image", image: image.name, imageId: current.id, expect, ops }],
    notes,
  };
  return drift ? { change, drift } : { change };
}

function unreadable(image: ImageSpec, error: string): Diagnostic {
  return {
    severity: "error",
    code: "plan.image-unreadable",
    summary: `image ${image.name}: cannot read ${image.source}: ${error}`,
    detail: "frost reads (and hashes) an image's files before uploading them; check the path and its permissions",
    pos: image.pos,
    source: "user",
  };
}
