import type { Clock } from "./clock.js";
import type { DesiredState, HostSpec, InstanceSpec } from "./config/types.js";
import type { Diagnostic } from "./diagnostics.js";
import type { ImageObservation } from "./images/image-facts.js";
import type { Change, KeptSnapshot, Remark, SnapshotRequest, Step } from "./model.js";
import type { FreezeJournal } from "./snapshots/freeze-journal.js";
import type { SnapshotFact } from "./snapshots/schedule-plan.js";
import type { AdoptionResult } from "./import/adoption.js";
import type { InstanceStatus } from "./status/status-model.js";
import type { Processes } from "./process/run.js";
import type { Timers } from "./timers.js";

/** The kinds of host frost knows, as `kind:` names them in the configuration. */
export type HostKind = HostSpec["kind"];

/** A host as a saved plan knows it: its name, its URI (or label) and its kind; a HostSpec is one. */
export interface HostRef {
  name: string;
  uri: string;
  kind: HostKind;
}

/**
 * What a run brings to every provider: its clock, where frost keeps its state (locks, the freeze
 * journal), where the host's files are, and, for tests, the connection to use instead of a real one.
 */
export interface Env {
  clock: Clock;
  stateDir: string;
  hostRoot: string;
  journal: FreezeJournal;
  /**
   * The connection a provider uses for `host` instead of its real client (a fake hypervisor, a fake
   * cloud): each provider knows the shape of its own. Undefined (or returning undefined): the real one.
   */
  connect?(host: HostRef): unknown;
  /** How other programs are started (process/run.ts); undefined: really. */
  processes?: Processes;
  /** What deadlines and pauses are measured and spent by (timers.ts); undefined: the real timers. */
  timers?: Timers;
}

/** One host's observation: what its provider read (its own shape, opaque to the engine), or why there is none. */
export type HostObservation = { status: "observed"; facts: unknown } | { status: "unreachable"; error: string };

/** Options of observing a host. */
export interface ObserveOptions {
  /** Ask each guest agent (guest-ping; and on libvirt, readiness where wanted). */
  ping: boolean;
  pingTimeoutMs?: number;
  /** Whose agent readiness is read: `hooks` (instances that declare hooks; the default) or `all` (`frost status`). */
  readiness?: "hooks" | "all";
  readinessTimeoutMs?: number;
}

/** What planning one host gave, in the order apply needs its changes. */
export interface HostPlanPart {
  changes: Change[];
  drift: Change[];
  remarks: Remark[];
  kept: KeptSnapshot[];
  diagnostics: Diagnostic[];
}

/** What a step did: a line for the user, and warnings. */
export type StepResult = { detail?: string; warnings?: string[] } | void;

/** What performing a step needs beside the host: the run's interrupt, deadlines, test seams. */
export interface PerformOptions {
  env: Env;
  signal?: AbortSignal;
  /** Deadlines of one snapshot's agent and snapshot calls (libvirt). */
  deadlines?: { pingMs: number; freezeMs: number; snapshotMs: number; thawMs: number };
  /** How long to wait for the agent after hot-plugging its channel. */
  agentWaitMs?: number;
  /** Test seam: hold a guest frozen this long before the cut. */
  holdFrozenMs?: number;
  /** How long to wait for a cloud's long operations (a snapshot image, a server boot). */
  waits?: { snapshotMs?: number; serverMs?: number; pollMs?: number };
}

/** What a change's steps would lose, needing an allowance: see plan/destructive.ts. */
export type Destruction = "destroy" | "replace" | "rebuild";

/** Something a provider says while frost takes hold of a host (a guest thawed that a dead run left frozen). */
export interface ProviderNotice {
  domain?: string;
  severity: "info" | "warning";
  message: string;
}

/** One instance in `frost status`: its status, and frost's snapshots of it (for the schedules' freshness). */
export interface InstanceReport {
  status: InstanceStatus;
  snapshots: SnapshotFact[];
}

/**
 * A kind of host, behind one seam. The engine (observe.ts, plan/plan.ts, apply.ts, plan-file/,
 * status/, lock/) knows no provider by name: it looks each up by `host.kind` (providers/registry.ts)
 * and asks it for what it owns. Everything a provider returns is data: changes and steps (its own
 * kinds), notices, facts.
 */
export interface Provider {
  readonly kind: HostKind;
  /** How its instances are addressed in plans (`instance`, `server`), and whether `image.NAME` addresses exist. */
  readonly instanceAddress: "instance" | "server";
  readonly imageAddresses: boolean;

  /** Whether `step` is one of this provider's. */
  owns(step: Step): boolean;

  /** The host's identity beside its URI, for its lock (one host reached by two URIs); undefined when it tells none. */
  identity?(host: HostRef, env: Env): Promise<string | undefined>;
  /**
   * Before a run acts on the host (under its lock, or without it when the lock cannot be had):
   * settles what runs that died left behind — on libvirt, guests left frozen and pending overlays.
   * `exclude`: domains the run thaws itself (a saved plan's).
   */
  settle?(host: HostRef, env: Env, options: { lockless: boolean; exclude?: ReadonlySet<string> }): Promise<ProviderNotice[]>;

  /** Reads what planning the host needs. Throws when the host cannot be reached. */
  observe(host: HostSpec, desired: DesiredState, env: Env, options: ObserveOptions): Promise<unknown>;
  /** Plans the host's own resources from what `observe` read. Pure. */
  plan(
    host: HostSpec,
    desired: DesiredState,
    facts: unknown,
    context: { now: Date; images: Record<string, ImageObservation> },
  ): HostPlanPart;
  /** Performs one of its steps on `host`. */
  perform(host: HostRef, step: Step, options: PerformOptions): Promise<StepResult>;

  /** A step in plain words an operator can check (`frost show`). */
  describeStep(step: Step): string;
  /** What the steps of one change would lose, each with the kinds of step that make it so (empty: nothing needs an allowance). */
  destructions(steps: readonly Step[]): Partial<Record<Destruction, string[]>>;

  /** Saved plans: the objects (domains) whose facts a step relies on; none where the step checks its own. */
  touches(step: Step): string[];
  /** Saved plans: the facts of one object, as observed. */
  factsOf(facts: unknown, object: string): Record<string, unknown>;
  /** Saved plans: reads the given objects again, as `observe` would (facts `factsOf` reads). */
  reobserve(host: HostRef, objects: readonly string[], env: Env): Promise<unknown>;

  /** `frost status`: each declared instance of the host. */
  status(host: HostSpec, desired: DesiredState, facts: unknown): InstanceReport[];
  /** `frost snapshot NAME`: the change that takes one now, or why there can be none. */
  snapshotNow(
    host: HostSpec,
    instance: InstanceSpec,
    facts: unknown,
    request: SnapshotRequest,
    reason: string,
  ): { change: Change } | { diagnostic: Diagnostic } | { error: string };
  /**
   * `frost thaw NAME`: the change that thaws a frozen guest now; undefined when there is nothing to
   * thaw. Absent where the provider never freezes a guest itself (a cloud's are the cloud's to undo).
   */
  thawNow?(host: HostSpec, instance: InstanceSpec, facts: unknown): Change | undefined;
  /**
   * `frost import`: how to declare the host's existing guests (`names`, or all) so that a plan right
   * after shows no change, leaving out those `declared` already; or the names the host lacks.
   * Absent where the provider imports nothing.
   */
  adopt?(
    host: HostRef,
    env: Env,
    names: readonly string[],
    declared: ReadonlySet<string>,
  ): Promise<{ result: AdoptionResult } | { missing: string[] }>;
}
