import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AgentCommandError, classifyAgentFailure, type GuestAgent } from "../../../reconcile/providers/libvirt/driver/guest-agent.js";
import { parseGuestInfo } from "../../../reconcile/providers/libvirt/driver/guest-info.js";
import { installHook } from "../../../reconcile/providers/libvirt/driver/hook-install.js";
import { agentHookPath, HOOK_LISTING_SCRIPT, parseHookListing } from "../../../reconcile/providers/libvirt/driver/hook-listing.js";
import { readReadiness } from "../../../reconcile/providers/libvirt/driver/readiness.js";

const sha = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");
const LOG_SHA = "70c389614f1b6f52baa3e0b074b22a075f7babf471d0f701ee040c4000e3afbb";

/** What the lab guest's listing printed (qemu-ga 7.2, stock hook, 10-frost-log). */
const LAB_LISTING = [
  "hook present",
  "dir present",
  "agent qemu-ga\t--method=virtio-serial\t--path=/dev/virtio-ports/org.qemu.guest_agent.0\t--fsfreeze-hook=/etc/qemu/fsfreeze-hook\t--statedir=/run\t",
  `script ${LOG_SHA} x 10-frost-log`,
  "",
].join("\n");

function info(disabled: string[] = []) {
  const names = [
    "guest-ping",
    "guest-info",
    "guest-fsfreeze-freeze",
    "guest-fsfreeze-thaw",
    "guest-fsfreeze-status",
    "guest-exec",
    "guest-exec-status",
    "guest-file-open",
    "guest-file-read",
    "guest-file-write",
    "guest-file-close",
    "guest-get-devices",
  ];
  return {
    version: "7.2.22",
    supported_commands: names.map((name) => ({
      name,
      enabled: !disabled.includes(name) && name !== "guest-get-devices",
      "success-response": true,
    })),
  };
}

/**
 * A scripted qemu-ga: answers the commands frost sends with qemu-ga's shapes and libvirt's words,
 * over an in-memory file table; guest-exec runs nothing but returns `exec(args)`'s output.
 */
class ScriptAgent implements GuestAgent {
  readonly domain = "db1";
  readonly sent: string[] = [];
  files = new Map<string, Buffer>();
  private handles = new Map<number, { path: string; mode: string; at: number }>();
  private pids = new Map<number, { out: string; code: number }>();
  constructor(
    private readonly disabled: string[] = [],
    private readonly exec: (args: string[]) => { out: string; code: number } = () => ({ out: LAB_LISTING, code: 0 }),
    public frozen = false,
  ) {}

  async command(execute: string, args: Record<string, unknown> = {}): Promise<unknown> {
    this.sent.push(execute + (execute === "guest-file-open" ? ` ${String(args["path"])} ${String(args["mode"])}` : ""));
    const refuse = (why = "") =>
      new AgentCommandError(
        `internal error: unable to execute QEMU agent command '${execute}': Command ${execute} has been disabled${why}`,
        execute,
        this.domain,
        why ? "frozen" : "disabled",
      );
    if (this.frozen && !["guest-info", "guest-fsfreeze-status", "guest-ping"].includes(execute))
      throw refuse(": the agent is in frozen state");
    if (this.disabled.includes(execute)) throw refuse();
    switch (execute) {
      case "guest-info":
        return info(this.disabled);
      case "guest-fsfreeze-status":
        return this.frozen ? "frozen" : "thawed";
      case "guest-exec": {
        const pid = 100 + this.pids.size;
        this.pids.set(pid, this.exec(args["arg"] as string[]));
        return { pid };
      }
      case "guest-exec-status": {
        const r = this.pids.get(args["pid"] as number);
        return {
          exited: true,
          exitcode: r?.code,
          "out-data": Buffer.from(r?.out ?? "").toString("base64"),
          "err-data": Buffer.from(r?.code ? "boom" : "").toString("base64"),
        };
      }
      case "guest-file-open": {
        const path = args["path"] as string;
        const dir = path.slice(0, path.lastIndexOf("/"));
        if (args["mode"] === "r" ? !this.files.has(path) : ![...this.files.keys()].some((p) => p.startsWith(dir + "/"))) {
          throw new AgentCommandError(
            `internal error: unable to execute QEMU agent command 'guest-file-open': failed to open file '${path}' (mode: '${String(args["mode"])}'): No such file or directory`,
            execute,
            this.domain,
            "not-found",
          );
        }
        if (args["mode"] === "w") this.files.set(path, Buffer.alloc(0));
        const handle = 1000 + this.handles.size;
        this.handles.set(handle, { path, mode: args["mode"] as string, at: 0 });
        return handle;
      }
      case "guest-file-write": {
        const h = this.handles.get(args["handle"] as number)!;
        const chunk = Buffer.from(args["buf-b64"] as string, "base64");
        this.files.set(h.path, Buffer.concat([this.files.get(h.path) ?? Buffer.alloc(0), chunk]));
        return { count: chunk.length, eof: false };
      }
      case "guest-file-read": {
        const h = this.handles.get(args["handle"] as number)!;
        const all = this.files.get(h.path) ?? Buffer.alloc(0);
        const chunk = all.subarray(h.at, h.at + (args["count"] as number));
        h.at += chunk.length;
        return { count: chunk.length, "buf-b64": chunk.toString("base64"), eof: h.at >= all.length };
      }
      case "guest-file-close":
        this.handles.delete(args["handle"] as number);
        return {};
    }
    throw new Error(`unscripted ${execute}`);
  }
}

describe("reading guest-info", () => {
  it("folds enabled flags into capabilities, and counts commands it does not list as disabled", () => {
    expect(parseGuestInfo(info(["guest-exec"]))).toEqual({
      version: "7.2.22",
      capabilities: { fsfreeze: true, fileRead: true, fileWrite: true, exec: false, disabled: ["guest-exec", "guest-get-devices"] },
    });
    const old = parseGuestInfo({
      version: "2.5.0",
      supported_commands: [
        { name: "guest-fsfreeze-freeze", enabled: true },
        { name: "guest-fsfreeze-thaw", enabled: true },
      ],
    });
    expect(old.capabilities).toMatchObject({ fsfreeze: true, fileRead: false, exec: false });
    expect(old.capabilities.disabled).toContain("guest-exec-status");
  });

  it("classifies qemu-ga's and libvirt's failures", () => {
    expect(
      classifyAgentFailure("internal error: unable to execute QEMU agent command 'guest-exec': Command guest-exec has been disabled"),
    ).toBe("disabled");
    expect(
      classifyAgentFailure(
        "internal error: unable to execute QEMU agent command 'guest-file-read': Command guest-file-read has been disabled: the agent is in frozen state",
      ),
    ).toBe("frozen");
    expect(classifyAgentFailure("failed to open file '/x' (mode: 'r'): No such file or directory")).toBe("not-found");
    expect(classifyAgentFailure("Guest agent is not responding: Guest agent not available for now")).toBe("timeout");
  });
});

describe("the hook listing", () => {
  it("is a fixed script without single quotes (virsh's parser carries the JSON in them)", () => {
    expect(HOOK_LISTING_SCRIPT).not.toContain("'");
  });

  it("parses the lab guest's listing", () => {
    expect(parseHookListing(LAB_LISTING)).toEqual({
      status: "present",
      via: "exec",
      directory: true,
      scripts: [{ name: "10-frost-log", sha256: LOG_SHA, executable: true }],
      agentHook: "/etc/qemu/fsfreeze-hook",
    });
  });

  it("finds the hook qemu-ga runs: -F, -FPATH, --fsfreeze-hook[=PATH], qemu-ga.conf, or none", () => {
    expect(agentHookPath(["/usr/sbin/qemu-ga", "-F"], undefined)).toBe("/etc/qemu/fsfreeze-hook");
    expect(agentHookPath(["qemu-ga", "-F/opt/hook"], undefined)).toBe("/opt/hook");
    expect(agentHookPath(["qemu-ga", "--fsfreeze-hook"], undefined)).toBe("/etc/qemu/fsfreeze-hook");
    expect(agentHookPath(["qemu-ga", "--fsfreeze-hook=/opt/h"], "/etc/other")).toBe("/opt/h");
    expect(agentHookPath(["qemu-ga", "--method=virtio-serial"], "")).toBe("/etc/qemu/fsfreeze-hook");
    expect(agentHookPath(["qemu-ga", "--method=virtio-serial"], "/etc/other")).toBe("/etc/other");
    expect(agentHookPath(["/usr/sbin/qemu-ga"], undefined)).toBeNull();
    expect(agentHookPath(["sh", "-F"], undefined)).toBeUndefined();
  });
});

describe("readReadiness", () => {
  it("with exec: version, capabilities, freeze state and the whole directory", async () => {
    const r = await readReadiness(new ScriptAgent(), ["10-mysql"]);
    expect(r).toMatchObject({
      status: "ok",
      version: "7.2.22",
      freeze: "thawed",
      capabilities: { exec: true, fsfreeze: true },
      hook: { status: "present", via: "exec" },
    });
    expect(r.hook?.scripts?.map((s) => s.name)).toEqual(["10-frost-log"]);
  });

  it("without exec: opens the stock hook and the scripts asked for, and says what it could not know", async () => {
    const agent = new ScriptAgent(["guest-exec"]);
    agent.files.set("/etc/qemu/fsfreeze-hook", Buffer.from("#!/bin/sh\n"));
    agent.files.set("/etc/qemu/fsfreeze-hook.d/10-mysql", Buffer.from("flush\n"));
    const r = await readReadiness(agent, ["10-mysql", "20-absent"]);
    expect(r.hook).toEqual({
      status: "present",
      via: "file",
      directory: true,
      scripts: [{ name: "10-mysql", sha256: sha("flush\n") }],
      reason: "guest-exec is disabled: only the scripts frost looks for were read, and whether they are executable is unknown",
    });
    expect(agent.sent).not.toContain("guest-exec");
  });

  it("without exec and file reads: hook unknown, saying which commands are disabled", async () => {
    const r = await readReadiness(new ScriptAgent(["guest-exec", "guest-file-open"]));
    expect(r.hook).toEqual({
      status: "unknown",
      reason: "the guest agent forbids both exec and file reads (disabled: guest-exec, guest-file-open)",
    });
  });

  it("while frozen: no capabilities (qemu-ga reports most disabled then) and no hook", async () => {
    const r = await readReadiness(new ScriptAgent([], undefined, true));
    expect(r).toMatchObject({ status: "ok", freeze: "frozen" });
    expect(r.capabilities).toBeUndefined();
    expect(r.hook).toBeUndefined();
    expect(r.problems[0]).toMatch(/the guest is frozen/);
  });

  it("guest-info past the deadline: status timeout, nothing else asked", async () => {
    const agent: GuestAgent = {
      domain: "db1",
      command: async (e) => {
        throw new AgentCommandError(`${e} did not finish within 8000 ms; the virsh session was killed`, e, "db1", "timeout");
      },
    };
    expect(await readReadiness(agent)).toEqual({
      status: "timeout",
      message: "guest-info did not finish within 8000 ms; the virsh session was killed",
      problems: [],
    });
  });
});

describe("installHook", () => {
  const content = new TextEncoder().encode("#!/bin/sh\necho $1 >>/run/marker\n");
  const hook = { name: "10-mysql", content, sha256: sha(content), chmod: true };

  it("with exec: writes a dotfile beside it, then chmod 755 and mv over it in one sh -c, and checks the digest printed", async () => {
    const seen: string[][] = [];
    const agent = new ScriptAgent([], (args) => (seen.push(args), { out: `${hook.sha256}  -\n`, code: 0 }));
    agent.files.set("/etc/qemu/fsfreeze-hook.d/10-frost-log", Buffer.from("x"));
    expect(await installHook(agent, hook)).toEqual({ sha256: hook.sha256, executable: true, warnings: [] });
    expect(agent.sent).toEqual([
      "guest-file-open /etc/qemu/fsfreeze-hook.d/.10-mysql.frost-new w",
      "guest-file-write",
      "guest-file-close",
      "guest-exec",
      "guest-exec-status",
    ]);
    // The paths are positional parameters of sh -c, never spliced into the script.
    expect(seen[0]?.slice(2)).toEqual(["frost", "/etc/qemu/fsfreeze-hook.d/.10-mysql.frost-new", "/etc/qemu/fsfreeze-hook.d/10-mysql"]);
    expect(seen[0]?.[1]).not.toContain("10-mysql");
  });

  it("with exec: creates a missing directory first", async () => {
    const seen: string[][] = [];
    const agent = new ScriptAgent([], (args) => {
      seen.push(args);
      if (args[1]?.startsWith("mkdir")) agent.files.set("/etc/qemu/fsfreeze-hook.d/.keep", Buffer.alloc(0));
      return { out: `${hook.sha256}  -\n`, code: 0 };
    });
    await installHook(agent, hook);
    expect(seen.map((a) => a[1]?.split(" ")[0])).toEqual(["mkdir", "chmod"]);
  });

  it("a digest that differs after the write is a failure", async () => {
    const agent = new ScriptAgent([], () => ({ out: `${"0".repeat(64)}  -\n`, code: 0 }));
    agent.files.set("/etc/qemu/fsfreeze-hook.d/x", Buffer.alloc(0));
    await expect(installHook(agent, hook)).rejects.toThrow(/the guest's copy has sha256 0{64} after the write/);
  });

  it("without exec: written in place and read back, with the warning that it is not executable", async () => {
    const agent = new ScriptAgent(["guest-exec"]);
    agent.files.set("/etc/qemu/fsfreeze-hook.d/10-frost-log", Buffer.from("x"));
    const r = await installHook(agent, { ...hook, chmod: false });
    expect(r.sha256).toBe(hook.sha256);
    expect(r.executable).toBeUndefined();
    expect(r.warnings[0]).toMatch(/^not made executable: the guest agent forbids guest-exec/);
    expect(agent.sent.filter((s) => s.startsWith("guest-file-open"))).toEqual([
      "guest-file-open /etc/qemu/fsfreeze-hook.d/10-mysql w",
      "guest-file-open /etc/qemu/fsfreeze-hook.d/10-mysql r",
    ]);
  });

  it("without exec and without the directory: says frost cannot create it", async () => {
    await expect(installHook(new ScriptAgent(["guest-exec"]), { ...hook, chmod: false })).rejects.toThrow(
      "cannot install fsfreeze hook 10-mysql into /etc/qemu/fsfreeze-hook.d/10-mysql: the guest has no /etc/qemu/fsfreeze-hook.d, and the agent forbids guest-exec, so frost cannot create it",
    );
  });

  it("refuses a name that is not a hook name before sending anything", async () => {
    const agent = new ScriptAgent();
    await expect(installHook(agent, { ...hook, name: "../../bin/sh" })).rejects.toThrow(/not a valid hook name/);
    expect(agent.sent).toEqual([]);
  });
});
