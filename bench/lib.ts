/** What the benchmarks share: running programs, timing, statistics, the lab, cleanup. */
import { spawn } from "node:child_process";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const ROOT = join(import.meta.dirname, "..", "..");
export const FROST = join(ROOT, "bin", "frost.js");
export const LAB = join(ROOT, "lab", "lab.sh");
export const URI = "qemu:///system";

/** What one program run gave, with its wall time from spawn to exit. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a program (argument array, no shell) and times it from spawn to exit. */
export function run(
  program: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(program, [...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C", LANG: "C", NO_COLOR: "1", ...options.env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 600_000);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.stdin.on("error", () => {}); // a program that does not read its stdin may be gone already
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: performance.now() - started });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Runs a program and throws with its output unless it exits 0. */
export async function must(program: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<Ran> {
  const r = await run(program, args, options);
  if (r.code !== 0) throw new Error(`${program} ${args.join(" ").slice(0, 200)} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r;
}

export const virsh = (...args: string[]) => must("virsh", ["-q", "-c", URI, ...args]);
export const lab = (...args: string[]) => must("bash", [LAB, ...args]);

/** One guest-agent command through libvirt; its `return`. */
export async function agent(domain: string, command: object): Promise<unknown> {
  const r = await virsh("qemu-agent-command", domain, JSON.stringify(command));
  return (JSON.parse(r.stdout) as { return: unknown }).return;
}

/** A file inside the guest, read through the agent (guest-file-open/read/close). */
export async function readGuestFile(domain: string, path: string): Promise<string> {
  const handle = await agent(domain, { execute: "guest-file-open", arguments: { path, mode: "r" } });
  let text = "";
  try {
    for (;;) {
      const r = (await agent(domain, { execute: "guest-file-read", arguments: { handle, count: 1 << 20 } })) as {
        "buf-b64": string;
        eof: boolean;
      };
      text += Buffer.from(r["buf-b64"], "base64").toString();
      if (r.eof) break;
    }
  } finally {
    await agent(domain, { execute: "guest-file-close", arguments: { handle } });
  }
  return text;
}

// ---- statistics -------------------------------------------------------------------------------

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Linear interpolation between order statistics (numpy's default). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (at - lo);
}

export const p95 = (xs: readonly number[]) => quantile(xs, 0.95);

export function summary(xs: readonly number[]): { n: number; median: number; p95: number; min: number; max: number } {
  return { n: xs.length, median: median(xs), p95: p95(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

export const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

/** Rotates `items` by `k`: interleaved runs start with a different method each round. */
export function rotate<T>(items: readonly T[], k: number): T[] {
  const n = items.length;
  return items.map((_, i) => items[(i + k) % n] as T);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `--runs N` style options from argv. */
export function intOption(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : NaN;
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

// ---- the machine --------------------------------------------------------------------------------

export async function machine(): Promise<string> {
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8").catch(() => "");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown";
  const v = (await run("virsh", ["-c", URI, "version"])).stdout;
  const versions = [/Using library: (libvirt [\d.]+)/.exec(v)?.[1], /Running hypervisor: (QEMU [\d.]+)/.exec(v)?.[1]]
    .filter(Boolean)
    .join(", ");
  return `${cpus().length} CPUs (nproc), ${model}, ${versions}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

// ---- domains the benchmarks define, removed however they end --------------------------------------

const labDomains = new Set<string>();
const plainDomains = new Set<string>();
const tempDirs = new Set<string>();

/** A lab domain (real disks, the real guest): `lab.sh define NAME KIND ...`. */
export async function defineLabDomain(name: string, kind: "channel" | "controller" | "bare", ...flags: string[]): Promise<void> {
  labDomains.add(name);
  await lab("define", name, kind, ...flags);
}

/**
 * Shut-off domains whose disks do not exist (libvirt defines them; only `start` would fail), with a
 * virtio-serial controller and the agent channel: `define` of all of them in one virsh process.
 */
export async function definePlainDomains(names: readonly string[]): Promise<void> {
  const dir = await tempDir("frost-bench-xml-");
  const commands: string[] = [];
  for (const name of names) {
    if (!/^t-b[a-z0-9.-]*$/.test(name)) throw new Error(`bench domain names start with t-b: ${name}`);
    const file = join(dir, `${name}.xml`);
    await writeFile(file, plainDomainXml(name));
    commands.push(`define ${file}`);
    plainDomains.add(name);
  }
  await must("virsh", ["-q", "-c", URI, commands.join("; ")]);
}

function plainDomainXml(name: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/nonexistent/frost-bench/${name}.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <controller type='virtio-serial' index='0'/>
    <channel type='unix'>
      <source mode='bind'/>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
  </devices>
</domain>
`;
}

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Removes every domain and temp dir the benchmarks made. Safe to call twice. */
export async function cleanup(): Promise<void> {
  const plain = [...plainDomains];
  plainDomains.clear();
  if (plain.length > 0) {
    await run("virsh", ["-q", "-c", URI, plain.map((n) => `undefine ${n} --snapshots-metadata`).join("; ")]);
  }
  for (const name of [...labDomains]) {
    labDomains.delete(name);
    await run("bash", [LAB, "undefine", name]);
  }
  for (const dir of [...tempDirs]) {
    tempDirs.delete(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `main`, cleaning up after it, on Ctrl-C and on SIGTERM too. */
export async function withCleanup<T>(main: () => Promise<T>): Promise<T> {
  const stop = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: removing the benchmark's domains\n`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    return await main();
  } finally {
    await cleanup();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

/** True when this module is the program node was started with. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}

/** Checks the lab is up (as root), or says how to bring it up. */
export async function requireLab(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("run the benchmarks as root (the lab needs it)");
  const r = await run("bash", [LAB, "status"]);
  if (r.code !== 0) throw new Error(`the lab is not up: run bash lab/lab.sh up (${r.stdout.trim().split("\n").pop()})`);
  await access(join(ROOT, "dist", "cmd", "main.js")).catch(() => {
    throw new Error("build frost first: npm run build");
  });
}
