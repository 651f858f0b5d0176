import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fixedClock } from "../../../reconcile/clock.js";
import type { AppArmorMode, AppArmorSpec } from "../../../reconcile/config/types.js";
import { applyAppArmor, type AppArmorApplyResult } from "../../../reconcile/providers/libvirt/host/apparmor-apply.js";
import { checkAppArmorRules } from "../../../reconcile/providers/libvirt/host/apparmor-check.js";
import { observeAppArmor } from "../../../reconcile/providers/libvirt/host/apparmor-observe.js";
import { planAppArmor, type AppArmorChange, type AppArmorPlan } from "../../../reconcile/providers/libvirt/host/apparmor-plan.js";
import type { WriteFs } from "../../../reconcile/providers/libvirt/host/atomic-write.js";
import { realProcesses, type CommandRunner, type RunResult } from "../../../reconcile/process/run.js";

const fixtures = fileURLToPath(new URL("../../fixtures/apparmor/", import.meta.url));

/** Debian 12's /etc/apparmor.d/abstractions/libvirt-qemu (libvirt-daemon-system), byte for byte. */
export const DEBIAN_ABSTRACTION = await fsp.readFile(path.join(fixtures, "libvirt-qemu"));
/** Debian 12's /etc/apparmor.d/libvirt/TEMPLATE.qemu. */
export const DEBIAN_TEMPLATE = await fsp.readFile(path.join(fixtures, "TEMPLATE.qemu"));

export const ABSTRACTION = "/etc/apparmor.d/abstractions/libvirt-qemu";
export const SOCK_RULE = "/var/lib/libvirt/qemu/*.sock rw,";

/** A host's AppArmor settings with the default abstraction. */
export function spec(manage: AppArmorMode, rules: string[] = [SOCK_RULE]): AppArmorSpec {
  return { manage, abstraction: ABSTRACTION, rules };
}

/** One recorded program run. */
export interface Call {
  program: string;
  args: readonly string[];
}

/**
 * A runner that records every call. Parse-only checks and `--version` go to the real
 * apparmor_parser (or fail with ENOENT when `parser: "absent"`); `-r` (a reload into the kernel) is
 * never run for real, it answers `reload(file)` (default: success).
 */
export function recordingRunner(o: { parser?: "real" | "absent"; reload?: (file: string) => { code: number; stderr?: string } } = {}) {
  const calls: Call[] = [];
  const runner: CommandRunner = {
    async run(program, args, options): Promise<RunResult> {
      calls.push({ program, args });
      if (o.parser === "absent") throw Object.assign(new Error(`spawn ${program} ENOENT`), { code: "ENOENT" });
      if (args[0] === "-r") {
        const a: { code: number; stderr?: string } = o.reload ? o.reload(args[args.length - 1] ?? "") : { code: 0 };
        return { code: a.code, stdout: "", stderr: a.stderr ?? "", timedOut: false, elapsedMs: 1 };
      }
      return realProcesses.run(program, args, options);
    },
  };
  return { runner, calls, reloads: () => calls.filter((c) => c.args[0] === "-r").map((c) => c.args[c.args.length - 1]) };
}

/** A temporary host root: /etc/apparmor.d and /sys/kernel/security as a test needs them. */
export class HostRoot {
  private constructor(readonly root: string) {}

  static async create(): Promise<HostRoot> {
    return new HostRoot(await fsp.mkdtemp(path.join(os.tmpdir(), "frost-host-")));
  }

  /** A host path under this root. */
  path(hostPath: string): string {
    return path.join(this.root, hostPath);
  }

  /** Writes a file (parents created) with the given mode and owner. */
  async file(hostPath: string, content: string | Buffer, own: { mode?: number; uid?: number; gid?: number } = {}): Promise<this> {
    const p = this.path(hostPath);
    await fsp.mkdir(path.dirname(p), { recursive: true });
    await fsp.writeFile(p, content);
    await fsp.chown(p, own.uid ?? 0, own.gid ?? 0);
    await fsp.chmod(p, own.mode ?? 0o644);
    return this;
  }

  /** The Debian abstraction, as installed. */
  async withDebianAbstraction(own: { mode?: number; uid?: number; gid?: number } = {}): Promise<this> {
    return this.file(ABSTRACTION, DEBIAN_ABSTRACTION, own);
  }

  /** AppArmor enabled in the "kernel": /sys/kernel/security/apparmor exists. */
  async withAppArmorEnabled(): Promise<this> {
    await fsp.mkdir(this.path("/sys/kernel/security/apparmor"), { recursive: true });
    return this;
  }

  async read(hostPath = ABSTRACTION): Promise<Buffer> {
    return fsp.readFile(this.path(hostPath));
  }

  /** The entry names of a host directory, sorted. */
  async list(hostDir = path.dirname(ABSTRACTION)): Promise<string[]> {
    return (await fsp.readdir(this.path(hostDir))).sort();
  }

  async remove(): Promise<void> {
    await fsp.rm(this.root, { recursive: true, force: true });
  }
}

/** observe → check → plan, the way a `frost plan` does it. */
export async function planOn(world: HostRoot, s: AppArmorSpec, runner: CommandRunner): Promise<AppArmorPlan> {
  const observed = await observeAppArmor(s, { root: world.root, runner });
  const check = s.manage === "false" ? undefined : await checkAppArmorRules(s.rules, { root: world.root, runner });
  return planAppArmor(s, observed, check);
}

/** Applies a planned change under the world's root, at a fixed time so backup names are known. */
export function applyOn(world: HostRoot, change: AppArmorChange, runner: CommandRunner, fs?: WriteFs): Promise<AppArmorApplyResult> {
  return applyAppArmor(change, { root: world.root, runner, clock: fixedClock("2026-11-25T12:00:00Z"), ...(fs ? { fs } : {}) });
}

/** The planned change, failing the test when there is none. */
export function changeOf(p: AppArmorPlan): AppArmorChange {
  if (!p.change) throw new Error(`expected a change, got remarks ${JSON.stringify(p.remarks)} and errors ${JSON.stringify(p.errors)}`);
  return p.change;
}
