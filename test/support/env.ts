import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixedClock } from "../../reconcile/clock.js";
import type { Env, HostRef } from "../../reconcile/provider.js";
import type { Timers } from "../../reconcile/timers.js";
import { FreezeJournal } from "../../reconcile/snapshots/freeze-journal.js";

/**
 * A run's environment for tests: a fixed clock, a fresh state directory and freeze journal (or the
 * given ones), and `connect`, the connection each provider uses instead of a real one (a fake
 * hypervisor, a fake cloud).
 */
export function testEnv(
  options: { connect?: (host: HostRef) => unknown; journal?: FreezeJournal; clock?: Env["clock"]; hostRoot?: string; timers?: Timers } = {},
): Env {
  const journal = options.journal ?? new FreezeJournal(mkdtempSync(join(tmpdir(), "frost-state-")));
  return {
    clock: options.clock ?? fixedClock("2026-11-25T12:00:00Z"),
    stateDir: journal.stateDir,
    hostRoot: options.hostRoot ?? "/",
    journal,
    ...(options.connect ? { connect: options.connect } : {}),
    ...(options.timers ? { timers: options.timers } : {}),
  };
}
