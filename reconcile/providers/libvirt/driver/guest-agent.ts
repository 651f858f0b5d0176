import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HypervisorError } from "../hypervisor.js";
import type { SessionSpawner } from "../../../process/run.js";
import { VirshSession } from "./virsh-session.js";

/**
 * Why one agent command failed, folded from libvirt's and qemu-ga's words:
 * `disabled` (`Command guest-exec has been disabled`: qemu-ga's --block-rpcs / --allow-rpcs),
 * `frozen` (`... has been disabled: the agent is in frozen state`), `not-found` (a guest file that
 * is not there: `No such file or directory`), `timeout` (frost's deadline, or libvirt's
 * `Guest agent not available for now`), `other`.
 */
export type AgentFailure = "disabled" | "frozen" | "not-found" | "timeout" | "other";

/** One agent command that failed, with libvirt's words in `message` and the command in `operation`. */
export class AgentCommandError extends HypervisorError {
  constructor(
    message: string,
    operation: string,
    domain: string,
    readonly failure: AgentFailure,
  ) {
    super(message, operation, domain);
    this.name = "AgentCommandError";
  }
}

/** Classifies an agent command's error message (see AgentFailure). */
export function classifyAgentFailure(message: string): AgentFailure {
  if (message.includes("the agent is in frozen state")) return "frozen";
  if (/Command [\w-]+ has been disabled/.test(message)) return "disabled";
  if (message.includes("No such file or directory")) return "not-found";
  if (message.includes("not available for now") || message.includes("did not finish within")) return "timeout";
  return "other";
}

/**
 * The guest agent of one domain, one JSON command at a time (`qemu-agent-command`). Every command
 * returns the `return` member of qemu-ga's answer or throws an AgentCommandError; every command
 * has a deadline of frost's own.
 */
export interface GuestAgent {
  readonly domain: string;
  command(execute: string, args?: Record<string, unknown>): Promise<unknown>;
}

/**
 * A GuestAgent over one interactive virsh process (one connection for all the commands of a
 * readiness check or a hook install, a few milliseconds each). The whole conversation has one
 * budget: each command gets what is left of it, and a command past it kills virsh; every later
 * command then fails at once as a `timeout`.
 */
export class SessionGuestAgent implements GuestAgent {
  private constructor(
    private readonly session: VirshSession,
    readonly domain: string,
    private readonly deadline: number,
    private readonly dir: string,
  ) {}

  /** Starts virsh and connects within the budget. */
  static async open(uri: string, domain: string, budgetMs: number, spawner?: SessionSpawner): Promise<SessionGuestAgent> {
    const deadline = performance.now() + budgetMs;
    // virsh keeps its readline history under XDG_CACHE_HOME: a private directory, removed at close.
    const dir = await mkdtemp(join(tmpdir(), "frost-agent-"));
    try {
      const session = await VirshSession.open(uri, domain, budgetMs, { ...(spawner ? { spawner } : {}), env: { XDG_CACHE_HOME: dir } });
      return new SessionGuestAgent(session, domain, deadline, dir);
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  async command(execute: string, args?: Record<string, unknown>): Promise<unknown> {
    const left = Math.round(this.deadline - performance.now());
    if (left <= 0 || !this.session.alive) {
      throw new AgentCommandError(
        `${execute} was not sent: frost's deadline for this guest agent has passed`,
        execute,
        this.domain,
        "timeout",
      );
    }
    const json = JSON.stringify(args === undefined ? { execute } : { execute, arguments: args });
    const seconds = String(Math.max(1, Math.ceil(left / 1000)));
    let reply;
    try {
      reply = await this.session.call(["qemu-agent-command", "--domain", this.domain, "--timeout", seconds, json], execute, left);
    } catch (e) {
      const message = (e as Error).message;
      throw new AgentCommandError(message, execute, this.domain, this.session.alive ? classifyAgentFailure(message) : "timeout");
    }
    if (reply.errors.length > 0 || !reply.ran) {
      const message = reply.errors.join(": ") || `virsh could not run qemu-agent-command ${execute}`;
      throw new AgentCommandError(message, execute, this.domain, classifyAgentFailure(message));
    }
    return parseReturn(reply.stdout, execute, this.domain);
  }

  /** Ends virsh (killed if it does not leave within 2 s) and removes the private directory. */
  async close(): Promise<void> {
    await this.session.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The `return` member of qemu-ga's answer; an answer without one is a frost-side error. */
export function parseReturn(stdout: string, execute: string, domain: string): unknown {
  const line = stdout.split("\n").find((l) => l.trim().startsWith("{"));
  try {
    const value = JSON.parse(line ?? "") as Record<string, unknown>;
    if (value !== null && typeof value === "object" && "return" in value) return value["return"];
  } catch {
    // reported below
  }
  throw new AgentCommandError(`unexpected answer to ${execute}: ${JSON.stringify(stdout.trim().slice(0, 200))}`, execute, domain, "other");
}
