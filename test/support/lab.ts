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
