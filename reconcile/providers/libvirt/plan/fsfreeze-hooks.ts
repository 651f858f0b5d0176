import type { DesiredState, InstanceSpec } from "../../../config/types.js";
import type { Diagnostic } from "../../../diagnostics.js";
import { FSFREEZE_HOOK_DIR, FSFREEZE_HOOK_PATH, type AgentReadiness, type ObservedDomain } from "../hypervisor.js";
import { instanceAddress, type Remark } from "../../../model.js";
import type { LibvirtChange } from "../steps.js";

/** A hook script as frost read it on its own machine: its digest, or why it could not be read. */
export interface HookSource {
  path: string;
  sha256?: string;
  bytes?: number;
  error?: string;
}

/**
 * What observation gathered about one instance's guest: the agent's readiness (absent where it was
 * not read: domain not running, agent not answering, or not needed) and the instance's hook
 * scripts as read on frost's machine, by hook name.
 */
export interface GuestFacts {
  readiness?: AgentReadiness;
  sources: Record<string, HookSource>;
}

/** One declared hook: the script's path, and whether the instance or its image declares it. */
export interface DeclaredHook {
  path: string;
  from: "instance" | "image";
}

/** The instance's hooks: its image's, then its own (the instance's winning on a name clash). */
export function effectiveHooks(instance: InstanceSpec, desired: DesiredState): Record<string, DeclaredHook> {
  const image = instance.image !== undefined ? desired.images[instance.image] : undefined;
  const hooks: Record<string, DeclaredHook> = {};
  for (const [name, path] of Object.entries(image?.fsfreezeHooks ?? {})) hooks[name] = { path, from: "image" };
  for (const [name, path] of Object.entries(instance.fsfreezeHooks)) hooks[name] = { path, from: "instance" };
  return hooks;
}

/** What planning one instance's hooks gave. */
export interface HooksPlan {
  changes: LibvirtChange[];
  remarks: Remark[];
  diagnostics: Diagnostic[];
}

/** `ab12cd34ef56…`: enough of a digest to tell two apart. */
export function shortDigest(sha256: string): string {
  return `${sha256.slice(0, 12)}…`;
}

const NOT_EXECUTABLE_NOTE =
  "the guest agent forbids guest-exec: frost cannot chmod 755 the script, and the stock fsfreeze-hook skips scripts that are not executable (one already there keeps its mode)";

/**
 * Plans the fsfreeze hooks of one instance: one change per script that is absent from the guest
 * (`install`) or differs from the local file by sha256 (`replace`), or is not executable where
 * frost can make it so. Pure. frost never removes a script: a script in the guest that is not
 * declared is left alone, so no removal is ever planned. A local script that cannot be read is an
 * error at the instance's position; what the guest's agent forbids or could not tell is a remark.
 */
export function planFsfreezeHooks(
  host: string,
  instance: InstanceSpec,
  hooks: Record<string, DeclaredHook>,
  domain: ObservedDomain,
  guest: GuestFacts | undefined,
): HooksPlan {
  const out: HooksPlan = { changes: [], remarks: [], diagnostics: [] };
  const names = Object.keys(hooks).sort();
  if (names.length === 0) return out;
  const address = instanceAddress(instance.name);
  const remark = (message: string) => out.remarks.push({ host, address, message });
  if (!guest) {
    remark(`fsfreeze hooks (${names.join(", ")}) not checked: the observation did not read them`);
    return out;
  }

  const local = new Map<string, string>();
  for (const name of names) {
    const declared = hooks[name] as DeclaredHook;
    const source = guest.sources[name];
    if (source?.sha256 !== undefined) {
      local.set(name, source.sha256);
      continue;
    }
    const image = declared.from === "image" ? ` (declared on image ${instance.image})` : "";
    out.diagnostics.push({
      severity: "error",
      code: "plan.hook-unreadable",
      summary: `instance ${instance.name}: fsfreeze hook ${name}${image}: cannot read ${declared.path}: ${source?.error ?? "not read"}`,
      detail:
        "frost installs the script's content into the guest; fix the path (relative to the file that declares it) or the file's permissions",
      pos: instance.pos,
      source: "user",
    });
  }

  const readiness = guest.readiness;
  const why = whyNotChecked(domain, readiness);
  if (why !== undefined || !readiness?.capabilities || !readiness.hook?.scripts) {
    const list = names.join(", ");
    remark(
      why === "not running"
        ? `fsfreeze hooks (${list}) are checked and installed while the domain runs`
        : `fsfreeze hooks (${list}) not checked: ${why}`,
    );
    return out;
  }
  const caps = readiness.capabilities;
  const hook = { ...readiness.hook, scripts: readiness.hook.scripts };

  remarkHookSupport(readiness, remark);
  const wanted: { name: string; change: LibvirtChange }[] = [];
  for (const name of names) {
    const sha256 = local.get(name);
    if (sha256 === undefined) continue;
    const there = hook.scripts.find((s) => s.name === name);
    const declared = hooks[name] as DeclaredHook;
    const change = (reason: string): LibvirtChange => ({
      host,
      address,
      action: "update",
      before: {
        fsfreezeHooks: {
          [name]: there
            ? { present: true, sha256: there.sha256, ...(there.executable !== undefined ? { executable: there.executable } : {}) }
            : { present: false },
        },
      },
      after: { fsfreezeHooks: { [name]: { present: true, sha256, ...(caps.exec ? { executable: true } : {}) } } },
      reason,
      steps: [{ kind: "install-fsfreeze-hook", domain: domain.name, hook: name, source: declared.path, sha256, chmod: caps.exec }],
      notes: caps.exec ? [] : [NOT_EXECUTABLE_NOTE],
    });
    if (!there) wanted.push({ name, change: change(`install fsfreeze hook ${name}`) });
    else if (there.sha256 !== sha256) {
      const why = `changed in the guest: sha256 ${shortDigest(there.sha256)} ≠ ${shortDigest(sha256)}`;
      wanted.push({ name, change: change(`replace fsfreeze hook ${name} (${why})`) });
    } else if (there.executable === false && caps.exec) {
      wanted.push({ name, change: change(`replace fsfreeze hook ${name} (not executable in the guest)`) });
    }
  }
  if (wanted.length === 0) return out;
  if (!caps.fileWrite) {
    const disabled = caps.disabled.filter((c) => c.startsWith("guest-file")).join(", ");
    remark(
      `cannot install fsfreeze hooks (${wanted.map((w) => w.name).join(", ")}): the guest agent forbids file writes (disabled: ${disabled}); allow them in qemu-ga (--block-rpcs / --allow-rpcs) or install the scripts in ${FSFREEZE_HOOK_DIR} yourself`,
    );
    return out;
  }
  out.changes.push(...wanted.map((w) => w.change));
  return out;
}

/** Why the guest's scripts cannot be compared with the declared ones, or undefined when they can. */
function whyNotChecked(domain: ObservedDomain, readiness: AgentReadiness | undefined): string | undefined {
  if (domain.state !== "running") return "not running";
  if (domain.agent.status !== "ok") return `the guest agent does not answer (${domain.agent.status})`;
  if (!readiness) return "the guest agent's readiness was not read";
  if (readiness.status !== "ok") return `guest-info failed: ${readiness.message ?? readiness.status}`;
  if (readiness.freeze === "frozen" || !readiness.capabilities || !readiness.hook) {
    return readiness.problems.join("; ") || "the guest's hook could not be read";
  }
  if (!readiness.hook.scripts) return readiness.hook.reason ?? "the guest's scripts could not be read";
  return undefined;
}

/** Remarks on what would keep installed scripts from ever running. */
function remarkHookSupport(readiness: AgentReadiness, remark: (m: string) => void): void {
  const { capabilities: caps, hook } = readiness;
  if (caps && !caps.fsfreeze) remark("the guest agent forbids guest-fsfreeze-freeze: snapshots cannot be quiesced, so no hook script runs");
  if (hook?.status === "absent") {
    remark(`the guest has no ${FSFREEZE_HOOK_PATH}: the scripts in ${FSFREEZE_HOOK_DIR} run only through it (qemu-guest-agent ships it)`);
  }
  if (hook?.agentHook === null)
    remark(
      "qemu-ga runs without --fsfreeze-hook: no hook script runs at a freeze (start it with -F, or set fsfreeze-hook= in qemu-ga.conf)",
    );
  else if (hook?.agentHook !== undefined && hook.agentHook !== FSFREEZE_HOOK_PATH) {
    remark(
      `qemu-ga runs the hook ${hook.agentHook}, not ${FSFREEZE_HOOK_PATH}: the scripts frost installs in ${FSFREEZE_HOOK_DIR} run only if that hook runs them`,
    );
  }
}
