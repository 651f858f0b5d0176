import { pendingOverlays } from "./pending-overlays.js";
import type { Clock } from "../../../clock.js";
import type { AgentProbe, Hypervisor, SnapshotMeta, SnapshotSession } from "../hypervisor.js";
import type { SnapshotRequest } from "../../../model.js";
import { FROST_VERSION } from "../../../version.js";
import type { FreezeJournal } from "../../../snapshots/freeze-journal.js";
import { ensureThawed, thawWorstCaseMs } from "./thaw.js";
import { realTimers, type Timers } from "../../../timers.js";

/** Hard deadlines of frost's own for each agent or snapshot call, whatever libvirt does. */
export interface SnapshotDeadlines {
  pingMs: number;
  freezeMs: number;
  snapshotMs: number;
  thawMs: number;
}

export const DEFAULT_DEADLINES: SnapshotDeadlines = { pingMs: 3_000, freezeMs: 10_000, snapshotMs: 30_000, thawMs: 10_000 };

/** Slack over the sum of the deadlines: process scheduling, a slow journal write. */
const FROZEN_SLACK_MS = 30_000;

/**
 * The longest a guest can stay frozen by one frost run that keeps running: the freeze, the hold of
 * the test seam, the cut, and every thaw attempt, each to its deadline. Past it, the run has thawed
 * the guest or given up (the journal entry then stays): what the journal records as `thawBy`, and
 * what a service manager must give frost to stop (examples/gitops: TimeoutStopSec).
 */
export function worstCaseFrozenMs(deadlines: SnapshotDeadlines = DEFAULT_DEADLINES, holdFrozenMs = 0): number {
  return deadlines.freezeMs + holdFrozenMs + deadlines.snapshotMs + thawWorstCaseMs(deadlines.thawMs) + FROZEN_SLACK_MS;
}

/** What taking one snapshot needs besides the hypervisor. */
export interface TakeSnapshotOptions {
  clock: Clock;
  journal: FreezeJournal;
  deadlines?: SnapshotDeadlines;
  /** Stops before a freeze that has not started; never stops a thaw. */
  signal?: AbortSignal;
  /**
   * Test seam: keep the guest frozen this long before the snapshot cut, so that a test can kill
   * frost while a guest is frozen. Set through FROST_TEST_HOLD_FROZEN_MS by the CLI; never in use otherwise.
   */
  holdFrozenMs?: number;
  /** What the held freeze and the pauses between thaw attempts are spent by; default the real timers. */
  timers?: Timers;
}

/** A snapshot taken: what was recorded in it, and what the user should hear about. */
export interface SnapshotTaken {
  name: string;
  meta: SnapshotMeta;
  warnings: string[];
}

/** No snapshot was taken, on purpose: the quiesce policy forbade a crash-consistent one, say. */
export class SnapshotRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnapshotRefused";
  }
}

/**
 * Takes one snapshot under its quiesce policy. `required`: the filesystems are frozen for the cut
 * or no snapshot is taken. `preferred`: a freeze is tried; when the agent is absent or the freeze
 * fails, a crash-consistent snapshot is taken and a warning says so. `off`: no freeze.
 *
 * Everything that can happen before the freeze does (`SnapshotSession.prepare`: the XML, the
 * overlay files), and when no snapshot is taken what it created is removed. The agent is pinged
 * first (a freeze sent to a hung agent can block libvirt indefinitely), the freeze is journalled
 * before it is sent, and every path that may have frozen the guest thaws it.
 */
export async function takeSnapshot(
  hv: Hypervisor,
  domain: string,
  request: SnapshotRequest,
  options: TakeSnapshotOptions,
): Promise<SnapshotTaken> {
  const deadlines = options.deadlines ?? DEFAULT_DEADLINES;
  const warnings: string[] = [];
  const base: Omit<SnapshotMeta, "consistency" | "frozenFilesystems"> = {
    ...(request.schedule !== undefined ? { schedule: request.schedule } : {}),
    ...(request.scheduledAt !== undefined ? { scheduledAt: request.scheduledAt } : {}),
    takenAt: options.clock.now().toISOString(),
    quiesce: request.quiesce,
    frostVersion: FROST_VERSION,
  };
  let cut = false;
  const crash = async (session: SnapshotSession): Promise<SnapshotTaken> => {
    const meta: SnapshotMeta = { ...base, consistency: "crash", frozenFilesystems: 0 };
    await session.createSnapshot(request.name, meta, deadlines.snapshotMs);
    cut = true;
    return { name: request.name, meta, warnings };
  };
  const refuseOrFallBack = async (session: SnapshotSession, why: string): Promise<SnapshotTaken> => {
    if (request.quiesce === "required") throw new SnapshotRefused(`quiesce is required and ${why}; no snapshot was taken`);
    warnings.push(`${why}; took a crash-consistent snapshot instead (quiesce: preferred)`);
    return crash(session);
  };

  options.signal?.throwIfAborted();
  const session = await hv.openSnapshotSession(domain);
  try {
    // The XML and the overlay files, before the freeze: the cut then only switches to them. The
    // expected meta; the frozen count is known only after the freeze (the cut rewrites the description).
    const expected: SnapshotMeta =
      request.quiesce === "off"
        ? { ...base, consistency: "crash", frozenFilesystems: 0 }
        : { ...base, consistency: "filesystem", frozenFilesystems: 0 };
    await session.prepare(request.name, expected, deadlines.snapshotMs);
    options.signal?.throwIfAborted();
    if (request.quiesce === "off") return await crash(session);
    const probe = await session.ping(deadlines.pingMs);
    if (probe.status !== "ok") return await refuseOrFallBack(session, `the guest agent ${describeProbe(probe)}`);
    options.signal?.throwIfAborted();

    const uuid = await hv.hostUuid().catch(() => undefined);
    const journalled = await options.journal.record({
      uri: hv.uri,
      ...(uuid !== undefined ? { hostUuid: uuid } : {}),
      domain,
      snapshot: request.name,
      holdMs: worstCaseFrozenMs(deadlines, options.holdFrozenMs ?? 0),
    });
    // Every path from here thaws, and ends the journal's session: the entry goes once thawed, and
    // stays (no longer alive) when the thaw failed, for the next run to thaw.
    let ended = false;
    const thaw = async (): Promise<void> => {
      ended = true;
      try {
        await ensureThawed(hv, session, domain, deadlines.thawMs, options.timers);
      } catch (e) {
        await options.journal.end(journalled, false);
        throw e;
      }
      await options.journal.end(journalled, true);
    };
    const started = performance.now();
    let meta: SnapshotMeta;
    try {
      let frozen: number;
      try {
        frozen = await session.freeze(deadlines.freezeMs);
      } catch (e) {
        // A freeze that failed or timed out may still have frozen some filesystems: thaw regardless.
        await thaw();
        return await refuseOrFallBack(session, `the freeze failed: ${(e as Error).message}`);
      }
      if (frozen === 0) {
        await thaw();
        return await refuseOrFallBack(session, "the guest agent froze no filesystem");
      }
      meta = { ...base, consistency: "filesystem", frozenFilesystems: frozen };
      try {
        if (options.holdFrozenMs) await (options.timers ?? realTimers).sleep(options.holdFrozenMs, options.signal);
        if (options.signal?.aborted)
          throw new SnapshotRefused("interrupted while the guest was frozen; it was thawed and no snapshot was taken");
        await session.createSnapshot(request.name, meta, deadlines.snapshotMs);
        cut = true;
      } finally {
        await thaw();
      }
    } finally {
      if (!ended) await thaw();
    }
    meta.freezeWindowMs = Math.round(performance.now() - started);
    try {
      if (session.alive) await session.recordMeta(request.name, meta, deadlines.snapshotMs);
    } catch (e) {
      warnings.push(`the snapshot is taken and consistent, but its freeze window could not be recorded: ${(e as Error).message}`);
    }
    return { name: request.name, meta, warnings };
  } catch (e) {
    // No snapshot (as far as frost saw): the prepared overlays go, unless libvirt may still switch
    // the guest onto them (a cut whose end frost did not see): those are recorded for the next run.
    if (!cut) {
      const discarded = await session
        .discard(deadlines.snapshotMs)
        .catch((d: unknown) => ({ left: [`the prepared overlays could not be removed: ${(d as Error).message}`], pending: [] }));
      const left = [...discarded.left];
      if (discarded.pending.length > 0) {
        const uuid = await hv.hostUuid().catch(() => undefined);
        await pendingOverlays(options.journal)
          .record({
            uri: hv.uri,
            ...(uuid !== undefined ? { hostUuid: uuid } : {}),
            domain,
            snapshot: request.name,
            files: discarded.pending,
            quiesce: request.quiesce,
            at: new Date().toISOString(),
          })
          .catch((r: unknown) => left.push(`they could not be recorded for the next run: ${(r as Error).message}`));
      }
      if (left.length > 0 && e instanceof Error) e.message += `; ${left.join("; ")}`;
    }
    throw e;
  } finally {
    await session.close();
  }
}

function describeProbe(probe: AgentProbe): string {
  const what: Record<AgentProbe["status"], string> = {
    ok: "answers",
    "no-channel": "has no channel (agent: true adds it)",
    "not-connected": "is not connected (is qemu-guest-agent running in the guest?)",
    timeout: "did not answer guest-ping in time (hung?)",
    error: "failed guest-ping",
    "not-checked": "was not checked",
  };
  return `${what[probe.status]}${probe.message ? ` [${probe.message}]` : ""}`;
}
