import type { QuiescePolicy } from "./config/types.js";
import type { Diagnostic } from "./diagnostics.js";

/**
 * What a change is about, written `kind.name`: `instance.web`, `image.cirros`, `schedule.nightly`.
 * Addresses are unique within a host; a fleet plan also carries the host name beside each change.
 */
export type Address = string;

/** The address of an instance. */
export function instanceAddress(name: string): Address {
  return `instance.${name}`;
}

/**
 * What a change does, as a literal union. `replace` is one action (never a delete plus a create).
 * `snapshot` takes a snapshot, `prune` deletes one frost took that retention no longer keeps, and
 * `thaw` thaws a guest left frozen by an interrupted run.
 */
export type Action = "create" | "update" | "replace" | "delete" | "no-op" | "snapshot" | "prune" | "thaw";

/** The one-character (or so) symbol each action is shown with. */
export const ACTION_SYMBOL: Record<Action, string> = {
  create: "+",
  update: "~",
  replace: "-/+",
  delete: "-",
  "no-op": " ",
  snapshot: "+",
  prune: "-",
  thaw: "~",
};

/**
 * One effect apply performs, fully decided at plan time so that apply (and a saved plan) does
 * exactly what was shown. Steps carry data only: each provider defines its own kinds (see its
 * `steps.ts`) and performs them; to the engine a step is its `kind` and data it does not read.
 */
export interface Step {
  readonly kind: string;
}

/**
 * A snapshot to take. `schedule`/`scheduledAt` (ISO UTC) are set for a scheduled snapshot and
 * absent for an on-demand one. `quiesce` is the effective policy, already resolved from the
 * instance, its image and the schedule.
 */
export interface SnapshotRequest {
  name: string;
  schedule?: string;
  scheduledAt?: string;
  quiesce: QuiescePolicy;
}

/**
 * One planned change. `before`/`after` describe the managed attributes of `address`; `reason` is
 * for display only and never consulted at apply time; `steps` are what apply will do, in order.
 * `notes` are remarks the user should read (a restart is needed, say).
 */
export interface Change<S extends Step = Step> {
  host: string;
  address: Address;
  action: Action;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  reason: string;
  steps: S[];
  notes: string[];
  /** Addresses whose changes must succeed first (an instance's image); apply skips this change when one did not. */
  requires?: Address[];
}

/** How a host took part in planning: observed, or unreachable with the reason. */
export interface HostPlan {
  name: string;
  uri: string;
  status: "observed" | "unreachable";
  error?: string;
}

/** Counts of changes by action, for the one-line summary. */
export interface PlanSummary {
  add: number;
  change: number;
  replace: number;
  destroy: number;
  snapshot: number;
  prune: number;
  thaw: number;
}

/** A snapshot retention keeps, with the rules that keep it; shown by `plan --show-kept`. */
export interface KeptSnapshot {
  host: string;
  address: Address;
  schedule: string;
  name: string;
  reasons: string[];
}

/**
 * The result of planning. `errored` plans carry error diagnostics and must not be applied;
 * `applyable` is true when there is at least one change and no error. `drift` lists what changed
 * outside frost (reported apart from the changes frost proposes). `remarks` are addresses with
 * something to say but nothing to do (a channel waiting for a restart, an agent that does not answer).
 */
export interface Plan {
  formatVersion: 1;
  createdAt: string;
  hosts: HostPlan[];
  changes: Change[];
  drift: Change[];
  remarks: Remark[];
  kept: KeptSnapshot[];
  diagnostics: Diagnostic[];
  errored: boolean;
  applyable: boolean;
}

/** A note about an address that needs no action: shown under the plan, never applied. */
export interface Remark {
  host: string;
  address: Address;
  message: string;
}

/** Counts the changes of a plan by action. */
export function summarize(changes: readonly Change[]): PlanSummary {
  const summary: PlanSummary = { add: 0, change: 0, replace: 0, destroy: 0, snapshot: 0, prune: 0, thaw: 0 };
  const key: Record<Action, keyof PlanSummary | undefined> = {
    create: "add",
    update: "change",
    replace: "replace",
    delete: "destroy",
    "no-op": undefined,
    snapshot: "snapshot",
    prune: "prune",
    thaw: "thaw",
  };
  for (const c of changes) {
    const k = key[c.action];
    if (k) summary[k]++;
  }
  return summary;
}
