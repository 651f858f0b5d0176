import { showBytes } from "../../units.js";
import type { DeviceTarget } from "./hypervisor.js";
import type { LibvirtStep } from "./steps.js";

/** `the running domain`, `the persistent definition`, or both. */
function where(target: DeviceTarget): string {
  if (target.live && target.config) return "running domain and persistent definition";
  return target.live ? "running domain only" : "persistent definition only";
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? "" : "s"}`;
}

/**
 * One libvirt step in plain words, naming everything it acts on exactly as apply will (domain,
 * volume, pool, snapshot and file names in full), so that an operator reviewing a saved plan can
 * check what it will do: `undefine domain web`, `delete volume web-ab12cd34ef56.qcow2 in pool
 * default`, `take snapshot nightly-20261125T0200Z of web (quiesce required)`.
 */
export function describeLibvirtStep(step: LibvirtStep): string {
  switch (step.kind) {
    case "attach-agent-channel":
      return `attach the guest-agent channel to ${step.domain} (${where(step.target)})`;
    case "detach-agent-channel":
      return `detach the guest-agent channel${step.alias ? ` ${step.alias}` : ""} from ${step.domain} (${where(step.target)})`;
    case "take-snapshot":
      return `take snapshot ${step.request.name} of ${step.domain} (quiesce ${step.request.quiesce})`;
    case "delete-snapshot":
      return `delete snapshot ${step.name} of ${step.domain}`;
    case "thaw":
      return `thaw ${step.domain}`;
    case "apparmor": {
      const rules = [...step.change.add.map((r) => `add "${r}"`), ...step.change.remove.map((r) => `remove "${r}"`)];
      const reload = step.change.reload.length > 0 ? `, then reload ${plural(step.change.reload.length, "profile")}` : "";
      return `write ${step.change.abstraction}${rules.length > 0 ? ` (${rules.join(", ")})` : ""}${reload}`;
    }
    case "write-record":
      return `write frost's record into the metadata of ${step.domain} (${where(step.target)})`;
    case "create-pool":
      return `create directory pool ${step.pool} at ${step.path}`;
    case "upload-image":
      return `upload ${step.source} (${step.digest}, ${showBytes(step.bytes)}) as volume ${step.volume} in pool ${step.pool}`;
    case "create-overlay":
      return `create volume ${step.volume} in pool ${step.pool} (qcow2 on top of ${step.backing.volume}, ${showBytes(step.capacity)})`;
    case "delete-volume":
      return `delete volume ${step.volume} in pool ${step.pool}`;
    case "define-domain": {
      const s = step.spec;
      const boot = s.boot ? `, boots kernel ${s.boot.kernel}` : "";
      return `define domain ${s.name} (UUID ${s.uuid}, ${showBytes(s.memory)}, ${plural(s.vcpus, "vcpu")}, disk ${s.disk.volume} in pool ${s.disk.pool}, ${s.agentChannel ? "with" : "without"} the guest-agent channel${boot})`;
    }
    case "start-domain":
      return `start domain ${step.domain}`;
    case "stop-domain":
      return step.graceMs > 0
        ? `stop domain ${step.domain} (guest shutdown, forced after ${Math.round(step.graceMs / 1000)} s)`
        : `stop domain ${step.domain} at once (no guest shutdown)`;
    case "undefine-domain":
      return `undefine domain ${step.domain}`;
    case "set-resources": {
      const what = [
        ...(step.memory !== undefined ? [`memory ${showBytes(step.memory)}`] : []),
        ...(step.vcpus !== undefined ? [`vcpus ${step.vcpus}`] : []),
      ];
      return `set ${what.join(", ")} in the persistent definition of ${step.domain}`;
    }
    case "mark-creating":
      return `create the empty marker volume ${step.volume}.frost-creating in pool ${step.pool} (proves the disk of ${step.domain} is frost's until the domain is defined)`;
    case "unmark-creating":
      return `delete the marker volume ${step.volume}.frost-creating in pool ${step.pool} (${step.domain} is defined)`;
    case "install-fsfreeze-hook":
      return `install fsfreeze hook ${step.hook} into ${step.domain} from ${step.source} (sha256 ${step.sha256}${step.chmod ? ", executable" : ", not executable"})`;
  }
}
