import { spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";

/** The outcome of one external program run. `timedOut` means frost killed it at its deadline. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  elapsedMs: number;
}

/** Options of one run; `timeoutMs` is a hard deadline after which the process is killed. */
export interface RunOptions {
  timeoutMs: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs external programs. Always an argument array, never a shell, so no name from the
 * configuration is ever interpreted by one. Tests swap in a recording runner.
 */
export interface CommandRunner {
  run(program: string, args: readonly string[], options: RunOptions): Promise<RunResult>;
}

/** The parts of a long-lived child process a session uses (virsh fed over stdin); tests pass a fake one. */
export interface SessionChild {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  kill(signal?: NodeJS.Signals): boolean;
  on(event: "close", listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
}

/** Starts a program to talk with over its stdin and stdout. */
export type SessionSpawner = (program: string, args: readonly string[], env: NodeJS.ProcessEnv) => SessionChild;

/**
 * Every way frost starts another program, in one place: `run` one to its end with a deadline,
 * start a `session` to talk with, or run one `attached` to frost's own terminal (the lab script).
 * Always an argument array, never a shell. Injected through the run's environment (`Env.processes`).
 */
export interface Processes extends CommandRunner {
  session: SessionSpawner;
  /** Runs `program` with frost's stdin, stdout and stderr; resolves to its exit status. */
  attached(program: string, args: readonly string[]): Promise<number | null>;
}

/**
 * The real processes, started by `child_process.spawn` with `shell: false`. Each in a process group
 * of its own (`detached`): a Ctrl-C at the terminal reaches frost, which finishes its thaws, and
 * never kills a virsh that is thawing a guest or holds a frozen guest's session (a session still
 * ends when frost dies, on the end of its stdin). `attached` runs in frost's group: the lab script
 * is the operator's to interrupt.
 */
export const realProcesses: Processes = {
  run(program, args, options) {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn(program, [...args], {
        shell: false,
        detached: true,
        stdio: ["pipe", "pipe", "pipe"],
        env: options.env ?? process.env,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, options.timeoutMs);
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => err.push(b));
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({
          code,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
          timedOut,
          elapsedMs: performance.now() - started,
        });
      });
      child.stdin.on("error", () => {});
      child.stdin.end(options.input ?? "");
    });
  },

  session: (program, args, env) => spawn(program, [...args], { shell: false, stdio: ["pipe", "pipe", "pipe"], env, detached: true }),

  attached(program, args) {
    return new Promise((resolve, reject) => {
      const child = spawn(program, [...args], { stdio: "inherit", shell: false });
      child.on("error", reject);
      child.on("close", (code) => resolve(code));
    });
  },
};
