import type { Io } from "./io.js";

/** An interrupt guard: Ctrl-C and SIGTERM abort `signal` instead of killing frost mid-freeze. */
export interface InterruptGuard {
  signal: AbortSignal;
  /** 130 after SIGINT, 143 after SIGTERM, undefined when not interrupted. */
  exitCode(): number | undefined;
  dispose(): void;
}

/**
 * While a command changes hosts, SIGINT and SIGTERM stop new work but let work in flight finish
 * its thaw: a guest is never left frozen because someone pressed Ctrl-C. A second signal only
 * repeats that frost is thawing; it does not cut the thaw short.
 */
export function guardInterrupts(io: Io): InterruptGuard {
  const controller = new AbortController();
  let code: number | undefined;
  const handler = (sig: NodeJS.Signals): void => {
    if (code === undefined) {
      code = sig === "SIGINT" ? 130 : 143;
      io.err(`\n${sig}: no new change will start; changes in flight finish and every frozen guest is thawed first.\n`);
      controller.abort(new Error(`interrupted by ${sig}`));
    } else {
      io.err(`${sig}: still finishing; frost exits as soon as every guest is thawed.\n`);
    }
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    exitCode: () => code,
    dispose: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
