import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Clock } from "./clock.js";
import { applyAppArmor } from "./host/apparmor-apply.js";
import { FSFREEZE_HOOK_DIR, type AgentProbe, type Hypervisor } from "./hypervisor/types.js";
import type { Change, InstallHookStep, Plan, Step } from "./model.js";
import { shortDigest } from "./plan/fsfreeze-hooks.js";
import { mapBounded } from "./pool.js";
import { fileDigest } from "./images/image-facts.js";
import type { FreezeJournal } from "./snapshots/freeze-journal.js";
import { takeSnapshot, type SnapshotDeadlines } from "./snapshots/take.js";
import { ensureThawed } from "./snapshots/thaw.js";

/**
 * The outcome of one change: done (with remarks for the user, e.g. a crash-consistent fallback),
 * failed with the hypervisor's words, or skipped (an earlier change of the same instance failed,
 * or the run was interrupted before it started).
 */
export type ChangeOutcome =
  | { status: "done"; elapsedMs: number; detail?: string; warnings: string[] }
  | { status: "failed"; elapsedMs: number; error: string }
  | { status: "skipped"; elapsedMs: 0; reason: string };

/**
 * Progress of an apply, reported as it happens. The terminal spinner is one implementation, plain
 * lines another, a recording hook in tests a third. Hooks never change what apply does.
 */
export interface ApplyHooks {
  preApply(change: Change): void;
  postApply(change: Change, outcome: ChangeOutcome): void;
}

/** What applying needs besides the plan. */
export interface ApplyOptions {
  clock: Clock;
  journal: FreezeJournal;
  /** How many instances of one host are worked on at once (so: at most this many guests frozen). */
  parallelism?: number;
  /** An interrupt: no change starts after it; a change in flight finishes its thaw. */
  signal?: AbortSignal;
  deadlines?: SnapshotDeadlines;
  /** Where the host's files are (AppArmor); `/` but in tests. */
  hostRoot?: string;
  /** How long to wait for the agent after hot-plugging its channel (default 10 s). */
  agentWaitMs?: number;
  /** Test seam, see TakeSnapshotOptions.holdFrozenMs. */
  holdFrozenMs?: number;
}

/** What an apply did, change by change, in plan order. */
export interface ApplyResult {
  outcomes: { change: Change; outcome: ChangeOutcome }[];
  failed: number;
  skipped: number;
}

/**
 * Performs a plan. Hosts are applied in parallel; on one host, instances are worked on with
 * bounded parallelism, and the changes of one instance in plan order (thaw, channel, hooks,
 * snapshot, prunes). When a change fails, the later changes of that instance are skipped (a prune must not
 * run when the snapshot before it failed); other instances go on. Changes that others require
 * (`Change.requires`: a pool, an image) run first, and a change whose requirement failed is skipped.
 */
export async function applyPlan(
  plan: Plan,
  hypervisorFor: (host: string) => Hypervisor,
  hooks: ApplyHooks,
  options: ApplyOptions,
): Promise<ApplyResult> {
  if (plan.errored) throw new Error("an errored plan cannot be applied");
  const groups = new Map<string, Map<string, Change[]>>();
  for (const change of plan.changes) {
    const byInstance = groups.get(change.host) ?? new Map<string, Change[]>();
    byInstance.set(change.address, [...(byInstance.get(change.address) ?? []), change]);
    groups.set(change.host, byInstance);
  }

  const results = new Map<Change, ChangeOutcome>();
  await Promise.all(
    [...groups].map(async ([host, byInstance]) => {
      const hypervisor = hypervisorFor(host);
      // What other changes require (a pool, an image) goes first, one address at a time; a change
      // whose requirement did not succeed is skipped.
      const required = new Set([...byInstance.values()].flat().flatMap((c) => c.requires ?? []));
      const unmet = (change: Change): string | undefined => {
        const failed = (change.requires ?? []).find((a) => (byInstance.get(a) ?? []).some((c) => results.get(c)?.status !== "done"));
        return failed !== undefined ? `skipped: ${failed} did not succeed` : undefined;
      };
      const runGroup = async (changes: Change[]) => {
        let blocked: string | undefined;
        for (const change of changes) {
          if (options.signal?.aborted) blocked = "interrupted before it started";
          blocked ??= unmet(change);
          if (blocked) {
            const outcome: ChangeOutcome = { status: "skipped", elapsedMs: 0, reason: blocked };
            results.set(change, outcome);
            hooks.postApply(change, outcome);
            continue;
          }
          hooks.preApply(change);
          const outcome = await applyChange(hypervisor, change, options);
          results.set(change, outcome);
          hooks.postApply(change, outcome);
          if (outcome.status === "failed") blocked = `skipped: ${change.address} failed before it`;
        }
      };
      for (const [address, changes] of byInstance) if (required.has(address)) await runGroup(changes);
      await mapBounded(
        [...byInstance].filter(([address]) => !required.has(address)).map(([, changes]) => changes),
        options.parallelism ?? 2,
        runGroup,
      );
    }),
  );
  const outcomes = plan.changes.map((change) => ({ change, outcome: results.get(change) as ChangeOutcome }));
  return {
    outcomes,
    failed: outcomes.filter((o) => o.outcome.status === "failed").length,
    skipped: outcomes.filter((o) => o.outcome.status === "skipped").length,
  };
}

async function applyChange(hypervisor: Hypervisor, change: Change, options: ApplyOptions): Promise<ChangeOutcome> {
  const started = performance.now();
  try {
    let detail: string | undefined;
    const warnings: string[] = [];
    for (const step of change.steps) {
      const result = await performStep(hypervisor, step, options);
      if (result?.detail) detail = result.detail;
      warnings.push(...(result?.warnings ?? []));
    }
    return { status: "done", elapsedMs: performance.now() - started, warnings, ...(detail ? { detail } : {}) };
  } catch (e) {
    return { status: "failed", elapsedMs: performance.now() - started, error: (e as Error).message };
  }
}

/** One step, through the hypervisor. Snapshot steps report what was recorded. */
export async function performStep(
  hypervisor: Hypervisor,
  step: Step,
  options: ApplyOptions,
): Promise<{ detail?: string; warnings?: string[] } | void> {
  switch (step.kind) {
    case "attach-agent-channel": {
      await hypervisor.attachAgentChannel(step.domain, step.target);
      if (!step.target.live) return;
      // A hot-plugged channel is live at once, but the guest's agent needs a moment to open it; wait
      // for it (bounded), so that a snapshot later in this apply finds it answering.
      const probe = await waitForAgent(hypervisor, step.domain, options.agentWaitMs ?? 10_000);
      return probe.status === "ok"
        ? { detail: "the guest agent answers" }
        : {
            warnings: [
              `the channel is attached, but no guest agent answered within ${Math.round((options.agentWaitMs ?? 10_000) / 1000)} s (${probe.status})`,
            ],
          };
    }
    case "detach-agent-channel":
      return hypervisor.detachAgentChannel(step.domain, step.target, step.alias);
    case "take-snapshot": {
      const taken = await takeSnapshot(hypervisor, step.domain, step.request, {
        clock: options.clock,
        journal: options.journal,
        ...(options.deadlines ? { deadlines: options.deadlines } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.holdFrozenMs ? { holdFrozenMs: options.holdFrozenMs } : {}),
      });
      const m = taken.meta;
      const detail =
        m.consistency === "filesystem"
          ? `${taken.name}: filesystem-consistent, ${m.frozenFilesystems} filesystem(s) frozen for ${m.freezeWindowMs} ms`
          : `${taken.name}: crash-consistent`;
      return { detail, warnings: taken.warnings };
    }
    case "delete-snapshot":
      return hypervisor.deleteSnapshot(step.domain, step.name);
    case "create-pool":
      return hypervisor.createPool(step.pool, step.path);
    case "upload-image": {
      // Content-addressed: the bytes uploaded must be the ones planned (a saved plan may be old).
      const digest = await fileDigest(step.source);
      if (digest !== step.digest) throw new Error(`${step.source} changed since the plan (${step.digest} then, ${digest} now); plan again`);
      await hypervisor.uploadVolume(step.pool, step.volume, step.source, step.bytes);
      return { detail: `uploaded ${step.volume}` };
    }
    case "create-overlay":
      return hypervisor.createOverlay(step.pool, step.volume, step.backing, step.capacity);
    case "delete-volume":
      return hypervisor.deleteVolume(step.pool, step.volume);
    case "define-domain":
      return hypervisor.defineDomain(step.spec);
    case "start-domain":
      return hypervisor.startDomain(step.domain);
    case "stop-domain":
      return hypervisor.stopDomain(step.domain, step.graceMs);
    case "undefine-domain":
      return hypervisor.undefineDomain(step.domain);
    case "set-resources":
      return hypervisor.setResources(step.domain, {
        ...(step.memory !== undefined ? { memory: step.memory } : {}),
        ...(step.vcpus !== undefined ? { vcpus: step.vcpus } : {}),
      });
    case "write-record":
      return hypervisor.writeRecord(step.domain, step.record, step.target);
    case "apparmor": {
      const result = await applyAppArmor(step.change, { root: options.hostRoot ?? "/" });
      const reloaded = result.reloaded.length > 0 ? `, reloaded ${result.reloaded.length} profile(s)` : "";
      return { detail: `wrote ${step.change.abstraction}${reloaded}`, warnings: result.notes };
    }
    case "install-fsfreeze-hook":
      return installHook(hypervisor, step);
    case "thaw": {
      const n = await ensureThawed(hypervisor, undefined, step.domain, options.deadlines?.thawMs ?? 10_000);
      await options.journal.clear(hypervisor.uri, step.domain);
      return { detail: `thawed ${n} filesystem(s)` };
    }
  }
}

/** Pings until the agent answers or `waitMs` has passed; returns the last answer. */
async function waitForAgent(hypervisor: Hypervisor, domain: string, waitMs: number): Promise<AgentProbe> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const probe = await hypervisor.pingAgent(domain, Math.min(3_000, Math.max(1_000, deadline - Date.now())));
    if (probe.status === "ok" || Date.now() >= deadline) return probe;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Deadline of one hook install: a few agent commands, and the script's bytes in base64. */
const HOOK_INSTALL_TIMEOUT_MS = 30_000;

/** Reads the script again, refuses it when it is no longer what was planned, and installs it. */
async function installHook(hypervisor: Hypervisor, step: InstallHookStep): Promise<{ detail: string; warnings: string[] }> {
  let content: Buffer;
  try {
    content = await readFile(step.source);
  } catch (e) {
    throw new Error(`cannot read fsfreeze hook ${step.hook} from ${step.source}: ${(e as Error).message}`);
  }
  const sha256 = createHash("sha256").update(content).digest("hex");
  if (sha256 !== step.sha256) {
    throw new Error(
      `${step.source} changed since the plan (sha256 ${shortDigest(step.sha256)} planned, ${shortDigest(sha256)} now); nothing was installed: run frost plan again`,
    );
  }
  const hook = { name: step.hook, content, sha256, chmod: step.chmod };
  const installed = await hypervisor.installFsfreezeHook(step.domain, hook, HOOK_INSTALL_TIMEOUT_MS);
  const mode = installed.executable ? ", executable" : "";
  const detail = `installed ${FSFREEZE_HOOK_DIR}/${step.hook} (sha256 ${shortDigest(installed.sha256)}${mode})`;
  return { detail, warnings: installed.warnings };
}
