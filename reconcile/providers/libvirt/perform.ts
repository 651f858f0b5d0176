import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { PerformOptions, StepResult } from "../../provider.js";
import { applyAppArmor } from "./host/apparmor-apply.js";
import { FSFREEZE_HOOK_DIR, type AgentProbe, type Hypervisor } from "./hypervisor.js";
import type { InstallHookStep, LibvirtStep as Step } from "./steps.js";
import { shortDigest } from "./plan/fsfreeze-hooks.js";
import { fileDigest } from "../../images/image-facts.js";
import { takeSnapshot } from "./snapshots/take.js";
import { forgetThawed } from "./snapshots/recovery.js";
import { ensureThawed } from "./snapshots/thaw.js";
import { realTimers, type Timers } from "../../timers.js";

/** One step, through the hypervisor. Snapshot steps report what was recorded. */
export async function performStep(hypervisor: Hypervisor, step: Step, options: PerformOptions): Promise<StepResult> {
  switch (step.kind) {
    case "attach-agent-channel": {
      await hypervisor.attachAgentChannel(step.domain, step.target);
      if (!step.target.live) return;
      // A hot-plugged channel is live at once, but the guest's agent needs a moment to open it; wait
      // for it (bounded), so that a snapshot later in this apply finds it answering.
      const probe = await waitForAgent(hypervisor, step.domain, options.agentWaitMs ?? 10_000, options.env.timers ?? realTimers);
      return probe.status === "ok"
        ? { detail: "the guest agent answers" }
        : {
            warnings: [
              `the channel is attached, but no guest agent answered within ${Math.round((options.agentWaitMs ?? 10_000) / 1000)} s (${probe.status})`,
            ],
          };
    }
    case "detach-agent-channel":
      return hypervisor.detachAgentChannel(step.domain, step.target, step.alias);
    case "take-snapshot": {
      const taken = await takeSnapshot(hypervisor, step.domain, step.request, {
        clock: options.env.clock,
        journal: options.env.journal,
        ...(options.deadlines ? { deadlines: options.deadlines } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.holdFrozenMs ? { holdFrozenMs: options.holdFrozenMs } : {}),
        ...(options.env.timers ? { timers: options.env.timers } : {}),
      });
      const m = taken.meta;
      const detail =
        m.consistency === "filesystem"
          ? `${taken.name}: filesystem-consistent, ${m.frozenFilesystems} filesystem(s) frozen for ${m.freezeWindowMs} ms`
          : `${taken.name}: crash-consistent`;
      return { detail, warnings: taken.warnings };
    }
    case "delete-snapshot":
      return hypervisor.deleteSnapshot(step.domain, step.name);
    case "create-pool":
      return hypervisor.createPool(step.pool, step.path);
    case "upload-image": {
      // Content-addressed: the bytes uploaded must be the ones planned (a saved plan may be old).
      const digest = await fileDigest(step.source);
      if (digest !== step.digest) throw new Error(`${step.source} changed since the plan (${step.digest} then, ${digest} now); plan again`);
      await hypervisor.uploadVolume(step.pool, step.volume, step.source, step.bytes);
      return { detail: `uploaded ${step.volume}` };
    }
    case "create-overlay":
      return hypervisor.createOverlay(step.pool, step.volume, step.backing, step.capacity);
    case "delete-volume":
      return hypervisor.deleteVolume(step.pool, step.volume);
    case "mark-creating":
      return hypervisor.markCreating(step.pool, step.volume);
    case "unmark-creating":
      return hypervisor.unmarkCreating(step.pool, step.volume);
    case "define-domain":
      return hypervisor.defineDomain(step.spec);
    case "start-domain":
      return hypervisor.startDomain(step.domain);
    case "stop-domain":
      return hypervisor.stopDomain(step.domain, step.graceMs);
    case "undefine-domain":
      return hypervisor.undefineDomain(step.domain);
    case "set-resources":
      return hypervisor.setResources(step.domain, {
        ...(step.memory !== undefined ? { memory: step.memory } : {}),
        ...(step.vcpus !== undefined ? { vcpus: step.vcpus } : {}),
      });
    case "write-record":
      return hypervisor.writeRecord(step.domain, step.record, step.target);
    case "apparmor": {
      const result = await applyAppArmor(step.change, {
        root: options.env.hostRoot,
        ...(options.env.processes ? { runner: options.env.processes } : {}),
      });
      const reloaded = result.reloaded.length > 0 ? `, reloaded ${result.reloaded.length} profile(s)` : "";
      return { detail: `wrote ${step.change.abstraction}${reloaded}`, warnings: result.notes };
    }
    case "install-fsfreeze-hook":
      return installHook(hypervisor, step);
    case "thaw": {
      const n = await ensureThawed(hypervisor, undefined, step.domain, options.deadlines?.thawMs ?? 10_000, options.env.timers);
      await forgetThawed(hypervisor, options.env.journal, step.domain);
      return { detail: `thawed ${n} filesystem(s)` };
    }
  }
}

/** Pings until the agent answers or `waitMs` has passed; returns the last answer. */
async function waitForAgent(hypervisor: Hypervisor, domain: string, waitMs: number, timers: Timers): Promise<AgentProbe> {
  const deadline = timers.now() + waitMs;
  for (;;) {
    const probe = await hypervisor.pingAgent(domain, Math.min(3_000, Math.max(1_000, deadline - timers.now())));
    if (probe.status === "ok" || timers.now() >= deadline) return probe;
    await timers.sleep(250);
  }
}

/** Deadline of one hook install: a few agent commands, and the script's bytes in base64. */
const HOOK_INSTALL_TIMEOUT_MS = 30_000;

/** Reads the script again, refuses it when it is no longer what was planned, and installs it. */
async function installHook(hypervisor: Hypervisor, step: InstallHookStep): Promise<{ detail: string; warnings: string[] }> {
  let content: Buffer;
  try {
    content = await readFile(step.source);
  } catch (e) {
    throw new Error(`cannot read fsfreeze hook ${step.hook} from ${step.source}: ${(e as Error).message}`);
  }
  const sha256 = createHash("sha256").update(content).digest("hex");
  if (sha256 !== step.sha256) {
    throw new Error(
      `${step.source} changed since the plan (sha256 ${shortDigest(step.sha256)} planned, ${shortDigest(sha256)} now); nothing was installed: run frost plan again`,
    );
  }
  const hook = { name: step.hook, content, sha256, chmod: step.chmod };
  const installed = await hypervisor.installFsfreezeHook(step.domain, hook, HOOK_INSTALL_TIMEOUT_MS);
  const mode = installed.executable ? ", executable" : "";
  const detail = `installed ${FSFREEZE_HOOK_DIR}/${step.hook} (sha256 ${shortDigest(installed.sha256)}${mode})`;
  return { detail, warnings: installed.warnings };
}
