import { createHash } from "node:crypto";
import { HOOK_NAME_RULE } from "../../../reconcile/config/names.js";
import {
  FSFREEZE_HOOK_DIR,
  FSFREEZE_HOOK_PATH,
  HypervisorError,
  type AgentCapabilities,
  type AgentReadiness,
  type GuestHookFacts,
  type HookInstall,
  type HookInstalled,
  type ReadinessOptions,
} from "../../../reconcile/providers/libvirt/hypervisor.js";
import { CAPABILITY_COMMANDS } from "../../../reconcile/providers/libvirt/driver/guest-info.js";
import { NOT_EXECUTABLE } from "../../../reconcile/providers/libvirt/driver/hook-install.js";
import type { FakeDomain, FakeGuest, FakeGuestFile } from "./fake-domain.js";

/** What qemu-ga 7.2 disables without being asked to (guest-info lists it with enabled: false). */
const ALWAYS_DISABLED = ["guest-get-devices"];

// The same command table and words as the libvirt driver, so that the two cannot say different things.
const COMMANDS = CAPABILITY_COMMANDS;

/** A guest like the lab's: qemu-ga 7.2 with the stock hook and one executable script, 10-frost-log. */
export function labGuest(): FakeGuest {
  const script = (text: string): FakeGuestFile => ({ content: new TextEncoder().encode(text), mode: 0o755 });
  return {
    version: "7.2.22",
    blocked: [],
    agentHook: FSFREEZE_HOOK_PATH,
    files: {
      [FSFREEZE_HOOK_PATH]: script("#!/bin/sh\n# stock fsfreeze-hook\n"),
      [`${FSFREEZE_HOOK_DIR}/10-frost-log`]: script("#!/bin/sh\n# logs frozen/thawed\n"),
    },
    dirs: ["/etc/qemu", FSFREEZE_HOOK_DIR],
  };
}

/** The words libvirt prints for an agent command qemu-ga refuses. */
function refused(command: string, frozen: boolean): string {
  return `internal error: unable to execute QEMU agent command '${command}': Command ${command} has been disabled${frozen ? ": the agent is in frozen state" : ""}`;
}

/** Agent-level failures shared by readiness and install: not running, no channel, no agent, hung. */
function agentFailure(d: FakeDomain): { status: "timeout" | "error"; message: string } | undefined {
  if (!d.live) return { status: "error", message: "Requested operation is not valid: domain is not running" };
  if (!d.live.agentChannel) return { status: "error", message: "argument unsupported: QEMU guest agent is not configured" };
  if (d.agent === "absent") return { status: "error", message: "Guest agent is not responding: QEMU guest agent is not connected" };
  if (d.agent === "hung") return { status: "timeout", message: "Guest agent is not responding: Guest agent not available for now" };
  return undefined;
}

function capabilities(g: FakeGuest): AgentCapabilities {
  const ok = (names: readonly string[]) => names.every((n) => !g.blocked.includes(n));
  return {
    fsfreeze: ok(COMMANDS.fsfreeze),
    fileRead: ok(COMMANDS.fileRead),
    fileWrite: ok(COMMANDS.fileWrite),
    exec: ok(COMMANDS.exec),
    disabled: [...new Set([...ALWAYS_DISABLED, ...g.blocked])].sort(),
  };
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** The fake's agentReadiness: the libvirt driver's rules, over the fake guest's state. */
export function fakeReadiness(d: FakeDomain, options: ReadinessOptions): AgentReadiness {
  const failed = agentFailure(d);
  if (failed) return { ...failed, problems: [] };
  const g = (d.guest ??= labGuest());
  if (g.blocked.includes("guest-info")) return { status: "error", message: refused("guest-info", false), problems: [] };
  const readiness: AgentReadiness = { status: "ok", version: g.version, freeze: d.frozen ? "frozen" : "thawed", problems: [] };
  if (d.frozen) {
    readiness.problems.push(
      "the guest is frozen: qemu-ga disables most commands until the thaw, so its capabilities and fsfreeze hook were not read",
    );
    return readiness;
  }
  const caps = capabilities(g);
  readiness.capabilities = caps;
  readiness.hook = fakeHookFacts(g, caps, options.hooks ?? []);
  return readiness;
}

function fakeHookFacts(g: FakeGuest, caps: AgentCapabilities, hooks: readonly string[]): GuestHookFacts {
  const status = g.files[FSFREEZE_HOOK_PATH] ? "present" : "absent";
  const directory = g.dirs.includes(FSFREEZE_HOOK_DIR) || Object.keys(g.files).some((p) => p.startsWith(`${FSFREEZE_HOOK_DIR}/`));
  if (caps.exec) {
    const scripts = Object.entries(g.files)
      .filter(([p]) => p.startsWith(`${FSFREEZE_HOOK_DIR}/`) && !p.slice(FSFREEZE_HOOK_DIR.length + 1).startsWith("."))
      .map(([p, f]) => ({ name: p.slice(FSFREEZE_HOOK_DIR.length + 1), sha256: sha256(f.content), executable: (f.mode & 0o111) !== 0 }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    return { status, via: "exec", directory, scripts, agentHook: g.agentHook };
  }
  if (!caps.fileRead) {
    const disabled = caps.disabled.filter((c) => c.startsWith("guest-exec") || c.startsWith("guest-file"));
    return { status: "unknown", reason: `the guest agent forbids both exec and file reads (disabled: ${disabled.join(", ")})` };
  }
  const scripts = [...hooks]
    .sort()
    .filter((n) => HOOK_NAME_RULE.test(n) && g.files[`${FSFREEZE_HOOK_DIR}/${n}`])
    .map((name) => ({ name, sha256: sha256(g.files[`${FSFREEZE_HOOK_DIR}/${name}`]?.content ?? new Uint8Array()) }));
  return {
    status,
    via: "file",
    reason: "guest-exec is disabled: only the scripts frost looks for were read, and whether they are executable is unknown",
    scripts,
    ...(scripts.length > 0 ? { directory: true } : {}),
  };
}

/** The fake's installFsfreezeHook: the libvirt driver's rules and words (see hook-install.ts). */
export function fakeInstallHook(d: FakeDomain, hook: HookInstall, timeoutMs: number): HookInstalled {
  const final = `${FSFREEZE_HOOK_DIR}/${hook.name}`;
  if (!HOOK_NAME_RULE.test(hook.name)) {
    throw new HypervisorError(
      `refusing to install a hook named ${JSON.stringify(hook.name)}: not a valid hook name`,
      "guest-file-open",
      d.name,
    );
  }
  const fail = (message: string, operation: string) =>
    new HypervisorError(`cannot install fsfreeze hook ${hook.name} into ${final}: ${message}`, operation, d.name);
  const failed = agentFailure(d);
  if (failed?.status === "timeout")
    throw fail(`guest-file-open did not finish within ${timeoutMs} ms; the virsh session was killed`, "guest-file-open");
  if (failed) throw fail(failed.message, "guest-file-open");
  const g = (d.guest ??= labGuest());
  const refuse = (command: string) => {
    if (d.frozen || g.blocked.includes(command)) throw fail(refused(command, d.frozen === true), command);
  };
  const dirThere = () => g.dirs.includes(FSFREEZE_HOOK_DIR) || Object.keys(g.files).some((p) => p.startsWith(`${FSFREEZE_HOOK_DIR}/`));
  const write = (path: string) => {
    for (const c of COMMANDS.fileWrite) refuse(c);
    const old = g.files[path];
    g.files[path] = { content: new Uint8Array(hook.content), mode: old?.mode ?? 0o666 };
  };
  if (hook.chmod) {
    const temp = `${FSFREEZE_HOOK_DIR}/.${hook.name}.frost-new`;
    refuse("guest-file-open");
    if (!dirThere()) {
      refuse("guest-exec");
      g.dirs.push(FSFREEZE_HOOK_DIR);
    }
    write(temp);
    refuse("guest-exec");
    refuse("guest-exec-status");
    const file = g.files[temp] as { content: Uint8Array; mode: number };
    delete g.files[temp];
    g.files[final] = { content: file.content, mode: 0o755 };
    return { sha256: sha256(file.content), executable: true, warnings: [] };
  }
  refuse("guest-file-open");
  if (!dirThere())
    throw fail(`the guest has no ${FSFREEZE_HOOK_DIR}, and the agent forbids guest-exec, so frost cannot create it`, "guest-file-open");
  write(final);
  const notExecutable = NOT_EXECUTABLE;
  if (g.blocked.includes("guest-file-read")) {
    return {
      sha256: hook.sha256,
      warnings: [notExecutable, `not verified: the guest agent forbids guest-file-read (${refused("guest-file-read", false)})`],
    };
  }
  return { sha256: sha256(g.files[final]?.content ?? new Uint8Array()), warnings: [notExecutable] };
}
