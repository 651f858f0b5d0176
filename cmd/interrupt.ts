import type { Io } from "./io.js";

/** What interrupts a run: a signal, or its output closing (a pipe whose reader left, a terminal gone). */
export type InterruptReason = "SIGINT" | "SIGTERM" | "SIGHUP" | "output-closed";

/** The exit code of each: 128 + the signal's number (SIGPIPE's, 13, for a closed output). */
export const INTERRUPT_EXIT: Record<InterruptReason, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, "output-closed": 141 };

/**
 * The run's interrupt. Outside critical work an interrupt ends frost at once (nothing is held, and
 * a plan can be cut short). Inside it — while hosts are held: locks taken, guests being frozen or
 * thawed, watch running — it aborts `signal` instead: no new change starts, changes in flight finish
 * and every frozen guest is thawed, and the command exits with `exitCode()`.
 */
export interface Interrupt {
  readonly signal: AbortSignal;
  /** The exit code of the first interrupt (INTERRUPT_EXIT), undefined when there was none. */
  exitCode(): number | undefined;
  /** Runs `fn` as critical work (see above). */
  critical<T>(fn: () => Promise<T>): Promise<T>;
  /** Interrupts, as a signal would (Ctrl-C at a prompt, say). */
  fire(reason: InterruptReason): void;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * The process's interrupt: SIGINT, SIGTERM and SIGHUP (a closed SSH session), and an error on
 * stdout or stderr (EPIPE: `frost apply | head -1`; EIO: the terminal went away), which `io`
 * reports once it has stopped writing to that stream. A second interrupt during critical work only
 * repeats that frost is finishing; it never cuts a thaw short.
 */
export function processInterrupt(io: Io, exit: (code: number) => void = (code) => process.exit(code)): Interrupt {
  const controller = new AbortController();
  let reason: InterruptReason | undefined;
  let depth = 0;
  const fire = (why: InterruptReason): void => {
    if (reason !== undefined) {
      if (why !== "output-closed") io.err(`${why}: still finishing; frost exits as soon as every guest is thawed.\n`);
      return;
    }
    reason = why;
    if (depth === 0) return exit(INTERRUPT_EXIT[why]);
    const what = why === "output-closed" ? "the output was closed" : why;
    io.err(`\n${what}: no new change will start; changes in flight finish and every frozen guest is thawed first.\n`);
    controller.abort(new Error(`interrupted: ${what}`));
  };
  for (const sig of SIGNALS) process.on(sig, () => fire(sig));
  io.onClosed(() => fire("output-closed"));
  return {
    signal: controller.signal,
    exitCode: () => (reason !== undefined ? INTERRUPT_EXIT[reason] : undefined),
    fire,
    async critical(fn) {
      depth++;
      try {
        return await fn();
      } finally {
        depth--;
      }
    },
  };
}
