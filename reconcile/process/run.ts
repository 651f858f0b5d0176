import { spawn } from "node:child_process";

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

/** The real runner: `child_process.spawn` with `shell: false` and a kill at the deadline. */
export const spawnRunner: CommandRunner = {
  run(program, args, options) {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn(program, [...args], {
        shell: false,
        // Its own process group: a Ctrl-C at the terminal reaches frost, which finishes its thaws,
        // and never kills a virsh that is thawing a guest.
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
};
