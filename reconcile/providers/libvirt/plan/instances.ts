import { createHash } from "node:crypto";
import type { DesiredState, HostSpec, InstanceSpec } from "../../../config/types.js";
import type { Diagnostic } from "../../../diagnostics.js";
import type { FrostRecord } from "../frost-record.js";
import type { DomainDefinition, DomainSpec, ObservedDomain } from "../hypervisor.js";
import { diskVolumeName } from "../../../images/image-facts.js";
import { instanceAddress, type Remark } from "../../../model.js";
import type { LibvirtChange } from "../steps.js";
import { type LibvirtStep as Step } from "../steps.js";
import { wantsAgent } from "../../../config/derived.js";
import type { HostDisks } from "./disk-usage.js";
import { showBytes } from "../../../units.js";
import { frostIdentity, notFrostsReason } from "./frost-identity.js";
import type { PlacedImage, StoragePlan } from "./images.js";
import { existingDisk, recordedDisk, type RecordedDisk } from "./instance-disks.js";

/** Memory and vcpus of a created instance that declares none. */
export const DEFAULT_MEMORY = 512 * 1024 ** 2;
export const DEFAULT_VCPUS = 1;

/** How long a guest gets to shut down before frost stops it hard (state: stopped, replace). */
export const SHUTDOWN_GRACE_MS = 60_000;

/** What planning one instance's lifecycle gave. `replaced`: the instance is recreated, plan nothing else for it. */
export interface LifecyclePlan {
  changes: LibvirtChange[];
  diagnostics: Diagnostic[];
  remarks?: Remark[];
  replaced?: boolean;
}

/** What planning the instances of one libvirt host works from, besides the instance and its domain. */
export interface LifecycleContext {
  desired: DesiredState;
  storage: StoragePlan;
  /** Which volumes the host's domains use (disk-usage.ts). */
  disks: HostDisks;
  /** The plan's time: part of the UUID a created domain gets. */
  now: Date;
}

const error = (code: string, instance: InstanceSpec, summary: string, detail?: string): Diagnostic => ({
  severity: "error",
  code,
  summary,
  ...(detail ? { detail } : {}),
  pos: instance.pos,
  source: "user",
});

/**
 * The UUID frost gives a domain it creates: derived from the host, the instance, its disk and the
 * plan's time (a saved plan defines exactly the UUID it shows, and a plan made again gives another).
 */
export function domainUuid(host: HostSpec, instance: string, disk: string, now: Date): string {
  const hex = createHash("sha256").update(`${host.uri}\n${instance}\n${disk}\n${now.toISOString()}`).digest("hex");
  // RFC 9562 version 8 (custom), variant 10.
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The steps that create an instance's disk and domain (and start it unless `state: stopped`),
 * bracketed by the create's marker (create-marker.ts): what a create killed halfway leaves is
 * provably frost's.
 */
function createSteps(host: HostSpec, instance: InstanceSpec, ctx: LifecycleContext, image: PlacedImage): Step[] {
  const disk = diskVolumeName(instance.name, image.facts.digest);
  const agent = wantsAgent(instance, ctx.desired) ?? false;
  const memory = instance.memory ?? DEFAULT_MEMORY;
  const vcpus = instance.vcpus ?? DEFAULT_VCPUS;
  const uuid = domainUuid(host, instance.name, disk, ctx.now);
  const record: FrostRecord = {
    agent,
    createdBy: "frost",
    image: image.spec.name,
    digest: image.facts.digest,
    memory,
    vcpus,
    disk,
    state: instance.state ?? "running",
    ...(host.owner !== undefined ? { owner: host.owner } : {}),
    ...(instance.protect ? { protect: true } : {}),
    uuid,
    name: instance.name,
  };
  const { kernel, initrd, cmdline } = image.spec;
  const spec: DomainSpec = {
    name: instance.name,
    uuid,
    type: host.domainType,
    memory,
    vcpus,
    disk: { pool: host.pool, volume: disk },
    agentChannel: agent,
    ...(kernel ? { boot: { kernel, ...(initrd ? { initrd } : {}), ...(cmdline ? { cmdline } : {}) } } : {}),
    record,
  };
  const domain = instance.name;
  return [
    { kind: "mark-creating", domain, pool: host.pool, volume: disk },
    {
      kind: "create-overlay",
      domain,
      pool: host.pool,
      volume: disk,
      backing: { volume: image.volume, format: image.spec.format },
      capacity: image.facts.virtualSize,
    },
    { kind: "define-domain", domain, spec },
    { kind: "unmark-creating", domain, pool: host.pool, volume: disk },
    ...(instance.state !== "stopped" ? [{ kind: "start-domain" as const, domain }] : []),
  ];
}

/**
 * An instance from an image whose domain does not exist: `+`, after its image. A volume of its
 * disk's name already in the pool is deleted first, as a change of its own, only when it is what a
 * failed create of frost's left and nothing uses it; otherwise it is an error (instance-disks.ts).
 */
export function planCreate(host: HostSpec, instance: InstanceSpec, ctx: LifecycleContext): LifecyclePlan {
  const image = ctx.storage.images.get(instance.image ?? "");
  if (!image) return { changes: [], diagnostics: [] }; // the image's own problem is already reported
  const disk = diskVolumeName(instance.name, image.facts.digest);
  const existing = existingDisk(host, instance, disk, ctx.disks);
  if (existing.diagnostic) return { changes: [], diagnostics: [existing.diagnostic] };
  const steps = createSteps(host, instance, ctx, image);
  const define = steps.find((s) => s.kind === "define-domain");
  const spec = define?.kind === "define-domain" ? define.spec : undefined;
  const requires = [...image.requires, ...(existing.change ? [existing.change.address] : [])];
  return {
    diagnostics: [],
    changes: [
      ...(existing.change ? [existing.change] : []),
      {
        host: host.name,
        address: instanceAddress(instance.name),
        action: "create",
        before: {},
        after: {
          image: image.spec.name,
          digest: image.facts.digest,
          memory: spec?.memory,
          vcpus: spec?.vcpus,
          agentChannel: spec?.agentChannel,
          state: instance.state ?? "running",
        },
        reason: `create from image.${image.spec.name} (${image.facts.digest.slice(0, 11)}…, ${showBytes(spec?.memory ?? 0)}, ${spec?.vcpus} vcpu)`,
        steps,
        notes: [],
        ...(requires.length > 0 ? { requires } : {}),
      },
    ],
  };
}

/**
 * An existing domain of an instance: replace (`-/+`) a frost-created one whose image changed,
 * else memory/vcpus (persistent definition) and the power state. A domain that exists under the
 * name of an instance from an image but is not one frost created (frost-identity.ts: a domain
 * defined from a copy of frost's XML carries frost's record, and is not) is an error: frost never
 * takes over a domain silently. A replace deletes the old disk only where recordedDisk allows it.
 */
export function planExisting(host: HostSpec, instance: InstanceSpec, domain: ObservedDomain, ctx: LifecycleContext): LifecyclePlan {
  const out: LifecyclePlan = { changes: [], diagnostics: [] };
  const record = domain.definition?.record;
  if (instance.image !== undefined) {
    const identity = frostIdentity(instance.name, domain.definition);
    if (record === undefined || identity.kind !== "frost") {
      const why = identity.kind === "not-frost" ? "" : ` (${notFrostsReason(identity, domain.definition?.uuid)})`;
      out.diagnostics.push(
        error(
          "plan.instance-not-created-by-frost",
          instance,
          `instance ${instance.name} is declared from image ${instance.image}, but host ${host.name} has a domain of that name that frost did not create${why}`,
          "frost never takes over or replaces a domain it did not create: declare it with adopt: true, or give the instance another name",
        ),
      );
      return out;
    }
    const image = ctx.storage.images.get(instance.image);
    if (image && (record.digest !== image.facts.digest || record.image !== instance.image)) {
      if (instance.protect) {
        out.diagnostics.push(
          error(
            "plan.protected",
            instance,
            `instance ${instance.name} would be replaced (its image changed), but it is protected (protect: true)`,
            "frost never replaces or destroys a protected instance; set protect: false to allow it, or keep the image it has",
          ),
        );
        return out;
      }
      const replaced = planReplace(host, instance, domain, record, image, ctx);
      out.changes.push(...replaced.changes);
      out.diagnostics.push(...replaced.diagnostics);
      out.replaced = true;
      return out;
    }
    const resources = planResources(host.name, instance, domain, record);
    if (resources) out.changes.push(resources);
  }
  const power = planPower(host.name, instance, domain, record);
  if (power) out.changes.push(power);
  return out;
}

/**
 * `-/+`: frost's snapshots deleted, the domain stopped and undefined, its old disk deleted where
 * recordedDisk allows it (else kept, and a note says why), and the instance created again from
 * the new image. A volume of the new disk's name is handled as for a create (existingDisk).
 */
function planReplace(
  host: HostSpec,
  instance: InstanceSpec,
  domain: ObservedDomain,
  record: FrostRecord,
  image: PlacedImage,
  ctx: LifecycleContext,
): LifecyclePlan {
  const oldDisk = record.disk !== undefined ? recordedDisk(instance.name, record.disk, ctx.disks) : undefined;
  const newDisk = diskVolumeName(instance.name, image.facts.digest);
  let existing: ReturnType<typeof existingDisk> = {};
  if (newDisk === record.disk) {
    if (!oldDisk?.delete && oldDisk?.kept) {
      return {
        changes: [],
        diagnostics: [
          error(
            "plan.disk-in-use",
            instance,
            `instance ${instance.name} cannot be replaced: its new disk would be ${newDisk}, the volume it has now, which frost keeps (${oldDisk.why})`,
            "give the instance another name, or free the volume",
          ),
        ],
      };
    }
  } else {
    existing = existingDisk(host, instance, newDisk, ctx.disks);
    if (existing.diagnostic) return { changes: [], diagnostics: [existing.diagnostic] };
  }
  // Its disk is discarded: nothing to shut down cleanly for.
  const steps: Step[] = [
    ...deleteFrostSnapshots(domain),
    { kind: "stop-domain", domain: instance.name, graceMs: 0 },
    { kind: "undefine-domain", domain: instance.name },
    ...(record.disk !== undefined && oldDisk?.delete
      ? [{ kind: "delete-volume" as const, domain: instance.name, pool: host.pool, volume: record.disk }]
      : []),
    ...createSteps(host, instance, ctx, image),
  ];
  const requires = [...image.requires, ...(existing.change ? [existing.change.address] : [])];
  const kept = keptNote(record.disk, oldDisk);
  return {
    diagnostics: [],
    changes: [
      ...(existing.change ? [existing.change] : []),
      {
        host: host.name,
        address: instanceAddress(instance.name),
        action: "replace",
        before: { image: record.image, digest: record.digest },
        after: { image: image.spec.name, digest: image.facts.digest },
        reason:
          `replace: the image changed (image.${record.image ?? "?"} ${record.digest?.slice(0, 11) ?? "?"}… -> image.${image.spec.name} ${image.facts.digest.slice(0, 11)}…); ` +
          (oldDisk?.delete ? "the disk is recreated, its data is lost" : "a new disk is created"),
        steps,
        notes: ["needs --allow-replace", ...(kept ? [kept] : []), ...snapshotNote(domain)],
        ...(requires.length > 0 ? { requires } : {}),
      },
    ],
  };
}

/** What the plan says of a recorded disk a destroy or replace does not delete. */
function keptNote(disk: string | undefined, verdict: RecordedDisk | undefined): string | undefined {
  if (disk === undefined || verdict === undefined || verdict.delete) return undefined;
  return verdict.kept ? `keeps its disk ${disk}: ${verdict.why}` : `its disk ${disk} is not deleted: ${verdict.why}`;
}

/**
 * The snapshots frost took of a domain it is about to discard, newest first: deleting them merges
 * their overlays back into the disk frost created, so that removing that disk leaves nothing behind.
 */
function deleteFrostSnapshots(domain: ObservedDomain | undefined): Step[] {
  return [...(domain?.snapshots ?? [])]
    .reverse()
    .map((s) => ({ kind: "delete-snapshot" as const, domain: domain?.name ?? "", name: s.name }));
}

/** Snapshots frost did not take are never touched: their overlay files stay, and the plan says so. */
function snapshotNote(domain: ObservedDomain | undefined): string[] {
  const n = domain?.foreignSnapshots.length ?? 0;
  return n > 0
    ? [`the overlay files of its ${n} snapshot(s) not taken by frost are left in place (frost removes only what it created)`]
    : [];
}

/** Memory and vcpus of a frost-created domain, in its persistent definition. */
function planResources(host: string, instance: InstanceSpec, domain: ObservedDomain, record: FrostRecord): LibvirtChange | undefined {
  const now = domain.definition ?? {};
  const memory = instance.memory !== undefined && now.memory !== instance.memory ? instance.memory : undefined;
  const vcpus = instance.vcpus !== undefined && now.vcpus !== instance.vcpus ? instance.vcpus : undefined;
  if (memory === undefined && vcpus === undefined) return undefined;
  const what = [
    ...(memory !== undefined ? [`memory ${showBytes(now.memory ?? 0)} -> ${showBytes(memory)}`] : []),
    ...(vcpus !== undefined ? [`vcpus ${now.vcpus} -> ${vcpus}`] : []),
  ];
  const running = domain.state !== "shutoff";
  return {
    host,
    address: instanceAddress(instance.name),
    action: "update",
    before: { ...(memory !== undefined ? { memory: now.memory } : {}), ...(vcpus !== undefined ? { vcpus: now.vcpus } : {}) },
    after: { ...(memory !== undefined ? { memory } : {}), ...(vcpus !== undefined ? { vcpus } : {}) },
    reason: `change ${what.join(", ")} (persistent definition)`,
    steps: [
      {
        kind: "set-resources",
        domain: instance.name,
        ...(memory !== undefined ? { memory } : {}),
        ...(vcpus !== undefined ? { vcpus } : {}),
      },
      {
        kind: "write-record",
        domain: instance.name,
        record: { ...record, ...(memory !== undefined ? { memory } : {}), ...(vcpus !== undefined ? { vcpus } : {}) },
        target: { live: false, config: true },
      },
    ],
    notes: running ? ["restart needed: memory and vcpus take effect at the next full stop and start of the domain"] : [],
  };
}

/** `state: running|stopped` against the domain's power state (paused and others are left alone). */
function planPower(
  host: string,
  instance: InstanceSpec,
  domain: ObservedDomain,
  record: FrostRecord | undefined,
): LibvirtChange | undefined {
  const start = instance.state === "running" && domain.state === "shutoff";
  const stop = instance.state === "stopped" && domain.state === "running";
  if (!start && !stop) return undefined;
  return {
    host,
    address: instanceAddress(instance.name),
    action: "update",
    before: { state: domain.state },
    after: { state: start ? "running" : "shutoff" },
    reason: start ? "start the domain" : `stop the domain (guest shutdown; forced after ${SHUTDOWN_GRACE_MS / 1000} s)`,
    steps: [
      start ? { kind: "start-domain", domain: instance.name } : { kind: "stop-domain", domain: instance.name, graceMs: SHUTDOWN_GRACE_MS },
      {
        kind: "write-record",
        domain: instance.name,
        record: { ...record, state: start ? "running" : "stopped" },
        target: { live: false, config: true },
      },
    ],
    notes: [],
  };
}

/**
 * Domains frost created (under this host's `owner`) that the configuration no longer declares: `-` (apply needs
 * --allow-destroy), removing the disk frost created only where recordedDisk allows it (the domain
 * uses it and no other does; otherwise the plan says which disk is kept and why); a protected one
 * is kept, with a warning. A domain that carries frost's record but is not the one frost defined
 * (renamed outside frost, or defined from a copy of its XML: frost-identity.ts) is released with a
 * remark, as are domains frost did not create: never touched.
 */
export function planRemoved(
  host: HostSpec,
  ctx: LifecycleContext,
  definitions: Record<string, DomainDefinition>,
  domains: Record<string, ObservedDomain> = {},
): LifecyclePlan {
  const out: LifecyclePlan = { changes: [], diagnostics: [], remarks: [] };
  for (const [name, definition] of Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))) {
    const record = definition.record;
    // Another configuration's (host.owner), or still declared: not this plan's to destroy.
    if (record?.createdBy !== "frost" || record.owner !== host.owner || ctx.desired.instances[name] !== undefined) continue;
    const identity = frostIdentity(name, definition);
    if (identity.kind !== "frost") {
      out.remarks?.push({
        host: host.name,
        address: instanceAddress(name),
        message: `${notFrostsReason(identity, definition.uuid)}; frost does not manage it: it is released, never destroyed`,
      });
      continue;
    }
    if (record.protect) {
      out.diagnostics.push({
        severity: "warning",
        code: "plan.protected-undeclared",
        summary: `instance ${name} on host ${host.name} was created by frost with protect: true and is no longer declared; frost does not destroy it`,
        detail: "to destroy it, declare it again with protect: false and apply, then remove it",
        source: "user",
      });
      continue;
    }
    const disk = record.disk !== undefined ? recordedDisk(name, record.disk, ctx.disks) : undefined;
    const kept = keptNote(record.disk, disk);
    out.changes.push({
      host: host.name,
      address: instanceAddress(name),
      action: "delete",
      before: { image: record.image, digest: record.digest, disk: record.disk },
      after: {},
      reason: `destroy: created by frost, no longer declared${record.disk ? (disk?.delete ? `; removes its disk ${record.disk}` : `; ${kept}`) : ""}`,
      steps: [
        ...deleteFrostSnapshots(domains[name]),
        { kind: "stop-domain", domain: name, graceMs: 0 },
        { kind: "undefine-domain", domain: name },
        ...(record.disk !== undefined && disk?.delete
          ? [{ kind: "delete-volume" as const, domain: name, pool: host.pool, volume: record.disk }]
          : []),
      ],
      notes: ["needs --allow-destroy", ...snapshotNote(domains[name])],
    });
  }
  return out;
}
