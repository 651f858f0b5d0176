import type { Change, SnapshotRequest } from "../../model.js";
import type { AppArmorChange } from "./host/apparmor-plan.js";
import type { FrostRecord } from "./frost-record.js";
import type { DeviceTarget, DomainSpec } from "./hypervisor.js";

/**
 * One effect apply performs, fully decided at plan time so that apply (and a saved plan) does
 * exactly what was shown. Steps carry data only; the Hypervisor implements them.
 */
export type LibvirtStep =
  | { kind: "attach-agent-channel"; domain: string; target: DeviceTarget }
  | { kind: "detach-agent-channel"; domain: string; target: DeviceTarget; alias?: string }
  | { kind: "take-snapshot"; domain: string; request: SnapshotRequest }
  | { kind: "delete-snapshot"; domain: string; name: string }
  | { kind: "thaw"; domain: string }
  | { kind: "apparmor"; change: AppArmorChange }
  /** Stores frost's record (what it applied) in the domain's metadata; see frost-record.ts. */
  | { kind: "write-record"; domain: string; record: FrostRecord; target: DeviceTarget }
  | { kind: "create-pool"; pool: string; path: string }
  /** Uploads an image; apply re-hashes `source` first and refuses when it is no longer `digest`. */
  | { kind: "upload-image"; pool: string; volume: string; source: string; bytes: number; digest: string }
  | {
      kind: "create-overlay";
      domain: string;
      pool: string;
      volume: string;
      backing: { volume: string; format: "raw" | "qcow2" };
      capacity: number;
    }
  /** Deletes a volume; the hypervisor refuses when a domain uses it at that moment. */
  | { kind: "delete-volume"; domain: string; pool: string; volume: string }
  /** The marker of a create of `volume` in progress (create-marker.ts): made before the disk, removed once the domain is defined. */
  | { kind: "mark-creating"; domain: string; pool: string; volume: string }
  | { kind: "unmark-creating"; domain: string; pool: string; volume: string }
  | { kind: "define-domain"; domain: string; spec: DomainSpec }
  | { kind: "start-domain"; domain: string }
  | { kind: "stop-domain"; domain: string; graceMs: number }
  | { kind: "undefine-domain"; domain: string }
  | { kind: "set-resources"; domain: string; memory?: number; vcpus?: number }
  | InstallHookStep;

/**
 * Installs one fsfreeze hook script into the guest's `/etc/qemu/fsfreeze-hook.d/<hook>` through
 * the agent. `source` is the script on the machine running frost and `sha256` its digest when
 * planned: apply refuses a source that changed since. `chmod`: the agent allowed guest-exec when
 * planned, so the script is made executable (and replaced atomically); otherwise it is written in
 * place without the executable bit, and the plan said so.
 */
export interface InstallHookStep {
  kind: "install-fsfreeze-hook";
  domain: string;
  hook: string;
  source: string;
  sha256: string;
  chmod: boolean;
}

/** The kinds of step the libvirt provider performs. */
export const LIBVIRT_STEP_KINDS: ReadonlySet<string> = new Set([
  "attach-agent-channel",
  "detach-agent-channel",
  "take-snapshot",
  "delete-snapshot",
  "thaw",
  "apparmor",
  "write-record",
  "create-pool",
  "upload-image",
  "create-overlay",
  "delete-volume",
  "mark-creating",
  "unmark-creating",
  "define-domain",
  "start-domain",
  "stop-domain",
  "undefine-domain",
  "set-resources",
  "install-fsfreeze-hook",
]);

/** True for a step of the libvirt provider's. */
export function isLibvirtStep(step: { kind: string }): step is LibvirtStep {
  return LIBVIRT_STEP_KINDS.has(step.kind);
}

/** A change of the libvirt provider's: its steps are libvirt steps. */
export type LibvirtChange = Change<LibvirtStep>;
