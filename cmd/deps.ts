import { fixedClock, systemClock } from "../reconcile/clock.js";
import type { Env } from "../reconcile/provider.js";
import { realProcesses } from "../reconcile/process/run.js";
import { FreezeJournal } from "../reconcile/snapshots/freeze-journal.js";
import { defaultStateDir } from "../reconcile/state-dir.js";
import { processInterrupt, type Interrupt } from "./interrupt.js";
import { processIo, type Io } from "./io.js";

/**
 * What commands need from the outside world, injected so that command tests can run against fakes
 * and captured output: the run's environment for the engine (its clock, state directory, host
 * root, freeze journal; in tests, the connections to use instead of real ones), the terminal, and
 * the interrupt.
 */
export interface CommandDeps extends Env {
  io: Io;
  /** Signals and a closed output: they end a read-only command at once, and stop a run that holds hosts gracefully. */
  interrupt: Interrupt;
}

/** The real world: process streams, the wall clock, every host reached by its provider's real client. */
export function realDeps(): CommandDeps {
  const io = processIo();
  return {
    io,
    interrupt: processInterrupt(io),
    // FROST_NOW pretends it is another time: for rehearsing schedules and retention, and for tests.
    clock: process.env["FROST_NOW"] ? fixedClock(process.env["FROST_NOW"]) : systemClock,
    journal: new FreezeJournal(defaultStateDir()),
    stateDir: defaultStateDir(),
    hostRoot: process.env["FROST_HOST_ROOT"] || "/",
    processes: realProcesses,
  };
}
