import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository root (tests run from it). */
export const ROOT = join(import.meta.dirname, "..", "..");
export const LAB_SCRIPT = join(ROOT, "lab", "lab.sh");
export const URI = "qemu:///system";

/** Runs the lab script; throws with its output when it fails. */
export async function lab(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run("bash", [LAB_SCRIPT, ...args], { maxBuffer: 16 << 20, timeout: 600_000 });
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`lab ${args.join(" ")} failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
  }
}

/** An independent libvirt client for assertions: plain virsh, not frost's driver. */
export async function virsh(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("virsh", ["-c", URI, ...args], { timeout: 60_000, env: { ...process.env, LC_ALL: "C" } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

/** True when the agent in `domain` answers guest-ping, polled until `timeoutMs`. */
export async function waitForPing(domain: string, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await virsh("qemu-agent-command", domain, '{"execute":"guest-ping"}');
    if (r.code === 0 && r.stdout.includes('"return"')) return true;
    await new Promise((res) => setTimeout(res, 500));
  }
  return false;
}

/** The domain's XML as plain virsh prints it (live, or the persistent definition with `inactive`). */
export async function domainXml(domain: string, inactive = false): Promise<string> {
  const r = await virsh("dumpxml", domain, ...(inactive ? ["--inactive"] : []));
  if (r.code !== 0) throw new Error(`virsh dumpxml ${domain} failed: ${r.stderr}`);
  return r.stdout;
}

/** True when the domain's XML names the guest-agent port. */
export async function hasAgentChannel(domain: string, inactive = false): Promise<boolean> {
  return (await domainXml(domain, inactive)).includes("name='org.qemu.guest_agent.0'");
}

/** Reads a file inside the guest through the agent (guest-file-open/read/close), as an operator would. */
export async function readGuestFile(domain: string, path: string): Promise<string> {
  const cmd = async (json: object): Promise<unknown> => {
    const r = await virsh("qemu-agent-command", domain, JSON.stringify(json));
    if (r.code !== 0) throw new Error(`agent command failed on ${domain}: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { return: unknown }).return;
  };
  const handle = (await cmd({ execute: "guest-file-open", arguments: { path, mode: "r" } })) as number;
  try {
    const read = (await cmd({ execute: "guest-file-read", arguments: { handle, count: 1 << 20 } })) as { "buf-b64": string };
    return Buffer.from(read["buf-b64"], "base64").toString("utf8");
  } finally {
    await cmd({ execute: "guest-file-close", arguments: { handle } });
  }
}

/** guest-fsfreeze-status through plain virsh: "frozen" or "thawed". */
export async function freezeStatus(domain: string): Promise<string> {
  const r = await virsh("qemu-agent-command", domain, '{"execute":"guest-fsfreeze-status"}');
  if (r.code !== 0) throw new Error(`guest-fsfreeze-status failed on ${domain}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { return: string }).return;
}

/** The names of a domain's snapshots, through plain virsh. */
export async function snapshotNames(domain: string): Promise<string[]> {
  const r = await virsh("snapshot-list", domain, "--name");
  if (r.code !== 0) throw new Error(`snapshot-list failed on ${domain}: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Runs a shell command in the guest over its serial console (independent of the agent). */
export function guestShell(domain: string, command: string): Promise<string> {
  return lab("shell", domain, command);
}

/** Waits until the guest reports its filesystems frozen (a frost run is holding it there); true when it did. */
export async function waitUntilFrozen(domain: string, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await freezeStatus(domain).catch(() => "")) === "frozen") return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** The words of the lab guest's fsfreeze hook log (`<epoch.micro> frozen|thawed` lines): ["frozen", "thawed", ...]. */
export function hookLines(log: string): string[] {
  return log
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(" ")[1] ?? "");
}

/** The sha256 of a file, hex. */
export async function fileSha256(path: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  const { readFile } = await import("node:fs/promises");
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

/** The volume names of a pool, sorted, through plain virsh (frost's test volumes have plain names). */
export async function poolVolumes(pool: string): Promise<string[]> {
  const r = await virsh("vol-list", "--pool", pool);
  return r.stdout
    .split("\n")
    .slice(2)
    .map((l) => l.trim().split(/\s+/)[0] ?? "")
    .filter(Boolean)
    .sort();
}

/** The names of the domains that start with `prefix`, sorted, through plain virsh. */
export async function domainsNamed(prefix: string): Promise<string[]> {
  const r = await virsh("list", "--all", "--name");
  return r.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((n) => n.startsWith(prefix))
    .sort();
}
