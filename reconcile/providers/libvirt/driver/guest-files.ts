import { AgentCommandError, type GuestAgent } from "./guest-agent.js";

/** Bytes per guest-file-write (base64 makes a third more; qemu-ga and virsh take far more). */
const WRITE_CHUNK = 48 * 1024;

/** Bytes asked for per guest-file-read. */
const READ_CHUNK = 64 * 1024;

/** What a guest-exec'd program did. `signal` is set when it was killed by one. */
export interface ExecResult {
  exitcode?: number;
  signal?: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `path` with `args` in the guest (guest-exec, output captured) and polls guest-exec-status
 * until it exits. The poll is bounded by the agent's own deadline; no shell on the host is
 * involved: `args` are an array that qemu-ga passes to the program as is.
 */
export async function guestExec(agent: GuestAgent, path: string, args: readonly string[]): Promise<ExecResult> {
  const started = (await agent.command("guest-exec", { path, arg: [...args], "capture-output": true })) as { pid?: unknown };
  if (typeof started?.pid !== "number") throw unexpected(agent, "guest-exec", started);
  for (let wait = 10; ; wait = Math.min(wait * 2, 100)) {
    const status = (await agent.command("guest-exec-status", { pid: started.pid })) as Record<string, unknown>;
    if (status?.["exited"] === true) {
      return {
        ...(typeof status["exitcode"] === "number" ? { exitcode: status["exitcode"] } : {}),
        ...(typeof status["signal"] === "number" ? { signal: status["signal"] } : {}),
        stdout: decode(status["out-data"]),
        stderr: decode(status["err-data"]),
      };
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** A guest-exec'd `sh -c SCRIPT frost ARGS…` that must exit 0; throws with its stderr otherwise. */
export async function guestShell(agent: GuestAgent, what: string, script: string, args: readonly string[] = []): Promise<string> {
  const result = await guestExec(agent, "/bin/sh", ["-c", script, "frost", ...args]);
  if (result.exitcode !== 0) {
    const how = result.signal !== undefined ? `was killed by signal ${result.signal}` : `exited with status ${result.exitcode}`;
    throw new AgentCommandError(
      `${what} in the guest ${how}: ${result.stderr.trim() || "(no message)"}`,
      "guest-exec",
      agent.domain,
      "other",
    );
  }
  return result.stdout;
}

/** Reads a whole guest file (guest-file-open `r`, guest-file-read until eof, guest-file-close). */
export async function readGuestFile(agent: GuestAgent, path: string, maxBytes = 16 << 20): Promise<Buffer> {
  const handle = await open(agent, path, "r");
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for (;;) {
      const read = (await agent.command("guest-file-read", { handle, count: READ_CHUNK })) as Record<string, unknown>;
      const chunk = Buffer.from(typeof read?.["buf-b64"] === "string" ? read["buf-b64"] : "", "base64");
      parts.push(chunk);
      size += chunk.length;
      if (size > maxBytes)
        throw new AgentCommandError(`${path} in the guest is larger than ${maxBytes} bytes`, "guest-file-read", agent.domain, "other");
      if (read?.["eof"] === true || chunk.length === 0) break;
    }
  } finally {
    await closeQuietly(agent, handle);
  }
  return Buffer.concat(parts);
}

/** Writes a whole guest file (guest-file-open `w`: created or truncated; guest-file-write in chunks; guest-file-close). */
export async function writeGuestFile(agent: GuestAgent, path: string, content: Uint8Array): Promise<void> {
  const handle = await open(agent, path, "w");
  let closed = false;
  try {
    for (let at = 0; at < content.length; at += WRITE_CHUNK) {
      const chunk = Buffer.from(content.subarray(at, at + WRITE_CHUNK));
      const wrote = (await agent.command("guest-file-write", { handle, "buf-b64": chunk.toString("base64") })) as Record<string, unknown>;
      if (wrote?.["count"] !== chunk.length) {
        throw new AgentCommandError(
          `guest-file-write wrote ${String(wrote?.["count"])} of ${chunk.length} bytes to ${path}`,
          "guest-file-write",
          agent.domain,
          "other",
        );
      }
    }
    await agent.command("guest-file-close", { handle });
    closed = true;
  } finally {
    if (!closed) await closeQuietly(agent, handle);
  }
}

async function open(agent: GuestAgent, path: string, mode: "r" | "w"): Promise<number> {
  const handle = await agent.command("guest-file-open", { path, mode });
  if (typeof handle !== "number") throw unexpected(agent, "guest-file-open", handle);
  return handle;
}

/** Closes a handle on a path that already failed; a failure here would only hide the first one. */
async function closeQuietly(agent: GuestAgent, handle: number): Promise<void> {
  await agent.command("guest-file-close", { handle }).catch(() => undefined);
}

function decode(data: unknown): string {
  return typeof data === "string" ? Buffer.from(data, "base64").toString("utf8") : "";
}

function unexpected(agent: GuestAgent, execute: string, value: unknown): AgentCommandError {
  return new AgentCommandError(`unexpected answer to ${execute}: ${JSON.stringify(value)}`, execute, agent.domain, "other");
}
