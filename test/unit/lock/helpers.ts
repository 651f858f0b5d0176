import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { lockPath, type LockRecord } from "../../../reconcile/lock/host-lock.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** A fresh, empty state directory under the system temp dir; `dispose` removes it. */
export async function tempStateDir(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "frost-lock-"));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Places a lock file for `uri` as another frost run would have written it; returns its record. */
export async function placeLock(stateDir: string, uri: string, over: Partial<LockRecord> = {}): Promise<LockRecord> {
  const record: LockRecord = {
    version: 1,
    id: "0123456789abcdef",
    uri,
    pid: process.pid,
    hostname: hostname(),
    command: "frost apply -c prod/",
    startedAt: "2026-11-25T10:00:00.000Z",
    ...over,
  };
  await placeLockText(stateDir, uri, JSON.stringify(record));
  return record;
}

/** Writes `text` as the lock file of `uri`, well-formed or not; returns its path. */
export async function placeLockText(stateDir: string, uri: string, text: string): Promise<string> {
  const path = lockPath(uri, stateDir);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  return path;
}

/** The pid of a process that ran on this machine and has exited (and been reaped). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((res) => child.once("exit", res));
  if (child.pid === undefined) throw new Error("the child process did not start");
  return child.pid;
}

/**
 * Compiles the lock module alone (and what it imports) into `outDir` with the project's compiler
 * options, so that a plain `node` child can import it; returns its file URL. Only the lock module
 * is built, so other work in progress elsewhere in the tree cannot break these tests.
 */
export async function compileLockModule(outDir: string): Promise<string> {
  const tsconfig = join(outDir, "tsconfig.json");
  const config = {
    extends: join(repo, "tsconfig.json"),
    compilerOptions: { outDir, rootDir: repo, sourceMap: false, typeRoots: [join(repo, "node_modules/@types")] },
    files: [join(repo, "reconcile/lock/host-lock.ts")],
    include: [],
  };
  await writeFile(tsconfig, JSON.stringify(config));
  await promisify(execFile)(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", tsconfig], { cwd: repo });
  return pathToFileURL(join(outDir, "reconcile/lock/host-lock.js")).href;
}

// A frost-like run in a separate process: says "ready", waits for "go", tries the lock once, says
// "won <id>" or "lost <ErrorName>", and on the next line (or end of input) releases and says "released".
const CHILD = `
import { createInterface } from "node:readline";
const [moduleUrl, stateDir, uri] = process.argv.slice(1);
const { acquireHostLock } = await import(moduleUrl);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
console.log("ready");
await lines.next();
try {
  const lock = await acquireHostLock({ uri, stateDir, command: "frost apply -c child/", timeoutMs: 0 });
  console.log("won " + lock.record.id + (lock.tookOver ? " over " + lock.tookOver.holder.id : ""));
  await lines.next();
  console.log((await lock.release()) ? "released" : "not released");
} catch (e) {
  console.log("lost " + e.name);
}
process.exit(0);
`;

/** A child process running CHILD against the compiled lock module, driven line by line. */
export class LockChild {
  private readonly child: ChildProcess;
  private readonly lines: AsyncIterator<string>;
  readonly exited: Promise<void>;

  constructor(moduleUrl: string, stateDir: string, uri: string) {
    this.child = spawn(process.execPath, ["--input-type=module", "-e", CHILD, moduleUrl, stateDir, uri], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.lines = createInterface({ input: this.child.stdout! })[Symbol.asyncIterator]();
    this.exited = new Promise((res) => this.child.once("exit", () => res()));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The next line the child prints. */
  async next(): Promise<string> {
    const line = await this.lines.next();
    if (line.done) throw new Error(`lock child ${this.child.pid} ended its output`);
    return line.value;
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Kills the child at once, as a crash would, and waits for it to be gone. */
  async crash(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.exited;
  }
}
