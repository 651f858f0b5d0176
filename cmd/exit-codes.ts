/**
 * frost's exit codes. `plan --detailed-exitcode` uses CHANGES for a plan with changes; every
 * command uses ERROR for invalid configuration, unreachable hosts and failed changes.
 */
export const EXIT = {
  OK: 0,
  ERROR: 1,
  CHANGES: 2,
} as const;

/** Thrown by commands to end with a given exit code after printing `message`. */
export class ExitError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "ExitError";
  }
}
