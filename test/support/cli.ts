import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./lab.js";

/** What one run of the built `frost` binary gave. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `bin/frost.js` as a user would, with stdin not a terminal. */
export function frost(args: string[], options: { cwd?: string; input?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "bin", "frost.js"), ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** Starts the built `bin/frost.js` and returns the child, for tests that signal or kill it. */
export function startFrost(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [join(ROOT, "bin", "frost.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stdout += b.toString()));
  return { child, output: () => stdout, exited: new Promise<number | null>((res) => child.on("close", (code) => res(code))) };
}
