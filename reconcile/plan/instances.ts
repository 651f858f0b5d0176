import type { DesiredState, HostSpec, InstanceSpec } from "../config/types.js";
import type { Diagnostic } from "../diagnostics.js";
import type { FrostRecord } from "../frost-record.js";
import type { DomainDefinition, DomainSpec, ObservedDomain } from "../hypervisor/types.js";
import { diskVolumeName } from "../images/image-facts.js";
import { instanceAddress, type Change, type Step } from "../model.js";
import { wantsAgent } from "./agent-channel.js";
import { showBytes } from "./drift.js";
import type { PlacedImage, StoragePlan } from "./images.js";

/** Memory and vcpus of a created instance that declares none. */
export const DEFAULT_MEMORY = 512 * 1024 ** 2;
export const DEFAULT_VCPUS = 1;

/** How long a guest gets to shut down before frost stops it hard (state: stopped, replace). */
export const SHUTDOWN_GRACE_MS = 60_000;

/** What planning one instance's lifecycle gave. `replaced`: the instance is recreated, plan nothing else for it. */
export interface LifecyclePlan {
  changes: Change[];
  diagnostics: Diagnostic[];
  replaced?: boolean;
}

const error = (code: string, instance: InstanceSpec, summary: string, detail?: string): Diagnostic => ({
  severity: "error",
  code,
  summary,
  ...(detail ? { detail } : {}),
  pos: instance.pos,
  source: "user",
});

/** The steps that create an instance's disk and domain (and start it unless `state: stopped`). */
function createSteps(host: HostSpec, instance: InstanceSpec, desired: DesiredState, image: PlacedImage, storage: StoragePlan): Step[] {
  const disk = diskVolumeName(instance.name, image.facts.digest);
  const agent = wantsAgent(instance, desired) ?? false;
  const memory = instance.memory ?? DEFAULT_MEMORY;
  const vcpus = instance.vcpus ?? DEFAULT_VCPUS;
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
  };
  const { kernel, initrd, cmdline } = image.spec;
  const spec: DomainSpec = {
    name: instance.name,
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
    // A disk left by a create that failed halfway (its domain never got defined): frost's by name, unused.
    ...(storage.volumes.has(disk) ? [{ kind: "delete-volume" as const, domain, pool: host.pool, volume: disk }] : []),
    {
      kind: "create-overlay",
      domain,
      pool: host.pool,
      volume: disk,
      backing: { volume: image.volume, format: image.spec.format },
      capacity: image.facts.virtualSize,
    },
    { kind: "define-domain", domain, spec },
    ...(instance.state !== "stopped" ? [{ kind: "start-domain" as const, domain }] : []),
  ];
}

/** An instance from an image whose domain does not exist: `+`, after its image. */
export function planCreate(host: HostSpec, instance: InstanceSpec, desired: DesiredState, storage: StoragePlan): LifecyclePlan {
  const image = storage.images.get(instance.image ?? "");
  if (!image) return { changes: [], diagnostics: [] }; // the image's own problem is already reported
  const steps = createSteps(host, instance, desired, image, storage);
  const define = steps.find((s) => s.kind === "define-domain");
  const spec = define?.kind === "define-domain" ? define.spec : undefined;
  return {
    diagnostics: [],
    changes: [
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
        ...(image.requires.length > 0 ? { requires: image.requires } : {}),
      },
    ],
  };
}

/**
 * An existing domain of an instance: replace (`-/+`) a frost-created one whose image changed,
 * else memory/vcpus (persistent definition) and the power state. A domain that exists under the
 * name of an instance from an image but was not created by frost is an error: frost never takes
 * over a domain silently.
 */
export function planExisting(
  host: HostSpec,
  instance: InstanceSpec,
  desired: DesiredState,
  domain: ObservedDomain,
  storage: StoragePlan,
): LifecyclePlan {
  const out: LifecyclePlan = { changes: [], diagnostics: [] };
  const address = instanceAddress(instance.name);
  const record = domain.definition?.record;
  if (instance.image !== undefined) {
    if (record?.createdBy !== "frost") {
      out.diagnostics.push(
        error(
          "plan.instance-not-created-by-frost",
          instance,
          `instance ${instance.name} is declared from image ${instance.image}, but host ${host.name} has a domain of that name that frost did not create`,
          "frost never takes over or replaces a domain it did not create: declare it with adopt: true, or give the instance another name",
        ),
      );
      return out;
    }
    const image = storage.images.get(instance.image);
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
      // Its disk is discarded: nothing to shut down cleanly for.
      const steps: Step[] = [
        ...deleteFrostSnapshots(domain),
        { kind: "stop-domain", domain: instance.name, graceMs: 0 },
        { kind: "undefine-domain", domain: instance.name },
        ...(record.disk !== undefined
          ? [{ kind: "delete-volume" as const, domain: instance.name, pool: host.pool, volume: record.disk }]
          : []),
        ...createSteps(host, instance, desired, image, { ...storage, volumes: withoutDisk(storage.volumes, record.disk) }),
      ];
      out.changes.push({
        host: host.name,
        address,
        action: "replace",
        before: { image: record.image, digest: record.digest },
        after: { image: image.spec.name, digest: image.facts.digest },
        reason: `replace: the image changed (image.${record.image ?? "?"} ${record.digest?.slice(0, 11) ?? "?"}… -> image.${image.spec.name} ${image.facts.digest.slice(0, 11)}…); the disk is recreated, its data is lost`,
        steps,
        notes: ["needs --allow-replace", ...snapshotNote(domain)],
        ...(image.requires.length > 0 ? { requires: image.requires } : {}),
      });
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

function withoutDisk(volumes: Set<string>, disk: string | undefined): Set<string> {
  const copy = new Set(volumes);
  if (disk !== undefined) copy.delete(disk);
  return copy;
}

/** Memory and vcpus of a frost-created domain, in its persistent definition. */
function planResources(host: string, instance: InstanceSpec, domain: ObservedDomain, record: FrostRecord): Change | undefined {
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
function planPower(host: string, instance: InstanceSpec, domain: ObservedDomain, record: FrostRecord | undefined): Change | undefined {
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
 * --allow-destroy), removing only the disk frost created; a protected one is kept, with a warning.
 * Domains frost did not create are released: never touched.
 */
export function planRemoved(
  host: HostSpec,
  desired: DesiredState,
  definitions: Record<string, DomainDefinition>,
  domains: Record<string, ObservedDomain> = {},
): LifecyclePlan {
  const out: LifecyclePlan = { changes: [], diagnostics: [] };
  for (const [name, definition] of Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))) {
    const record = definition.record;
    // Another configuration's (host.owner), or still declared: not this plan's to destroy.
    if (record?.createdBy !== "frost" || record.owner !== host.owner || desired.instances[name] !== undefined) continue;
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
    out.changes.push({
      host: host.name,
      address: instanceAddress(name),
      action: "delete",
      before: { image: record.image, digest: record.digest, disk: record.disk },
      after: {},
      reason: `destroy: created by frost, no longer declared${record.disk ? `; removes its disk ${record.disk}` : ""}`,
      steps: [
        ...deleteFrostSnapshots(domains[name]),
        { kind: "stop-domain", domain: name, graceMs: 0 },
        { kind: "undefine-domain", domain: name },
        ...(record.disk !== undefined ? [{ kind: "delete-volume" as const, domain: name, pool: host.pool, volume: record.disk }] : []),
      ],
      notes: ["needs --allow-destroy", ...snapshotNote(domains[name])],
    });
  }
  return out;
}
