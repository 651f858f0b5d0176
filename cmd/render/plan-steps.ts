import type { DeviceTarget, Step } from "../../reconcile/model.js";
import { showBytes } from "../../reconcile/providers/libvirt/plan/drift.js";

/** `the running domain`, `the persistent definition`, or both. */
function where(target: DeviceTarget): string {
  if (target.live && target.config) return "running domain and persistent definition";
  return target.live ? "running domain only" : "persistent definition only";
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? "" : "s"}`;
}

/**
 * One step in plain words, naming everything it acts on exactly as apply will (domain, volume,
 * pool, snapshot, file, server and image names in full), so that an operator reviewing a saved
 * plan can check what it will do: `undefine domain web`, `delete volume web-ab12cd34ef56.qcow2 in
 * pool default`, `take snapshot nightly-20261125T0200Z of web (quiesce required)`.
 */
export function describeStep(step: Step): string {
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
    case "openstack-upload-image": {
      const parts = [
        `${step.file.path} (${step.file.digest}, ${showBytes(step.file.bytes)})`,
        ...(step.kernel ? [`kernel ${step.kernel.path} (${step.kernel.digest})`] : []),
        ...(step.ramdisk ? [`ramdisk ${step.ramdisk.path} (${step.ramdisk.digest})`] : []),
      ];
      return `upload image ${step.image} to Glance from ${parts.join(", ")}, disk format ${step.diskFormat}`;
    }
    case "openstack-patch-image": {
      const ops = step.ops.map((op) => (op.op === "remove" ? `remove ${op.path.slice(1)}` : `set ${op.path.slice(1)}=${op.value}`));
      return `change properties of image ${step.image} (${step.imageId}): ${ops.join(", ")}`;
    }
    case "openstack-create-server": {
      const networks = step.networks === "none" ? "no network" : `networks ${step.networks.join(", ")}`;
      return `boot server ${step.server} from image ${step.image} (${step.imageDigest}), flavor ${step.flavorId}, ${networks}${step.state === "stopped" ? ", then stop it" : ""}`;
    }
    case "openstack-rebuild-server":
      return `rebuild server ${step.server} (${step.serverId}) from image ${step.imageId}: its disk is recreated`;
    case "openstack-power":
      return `${step.state === "running" ? "start" : "stop"} server ${step.server} (${step.serverId})`;
    case "openstack-delete-server":
      return `delete server ${step.server} (${step.serverId})`;
    case "openstack-snapshot": {
      const check = step.agentCheck ? `; guest-ping ${step.agentCheck.domain} on ${step.agentCheck.uri} first` : "";
      return `take snapshot image ${step.imageName} of server ${step.server} (${step.serverId}) (quiesce ${step.request.quiesce}${check})`;
    }
    case "openstack-delete-snapshot":
      return `delete snapshot image ${step.imageName} (${step.imageId}) of server ${step.server}`;
    default: {
      // A saved plan is a file: say what an unknown step is rather than hide it.
      const unknown: never = step;
      return `unknown step ${JSON.stringify(unknown)}`;
    }
  }
}

/** The steps of a change, one numbered line each, in the order apply runs them. */
export function describeSteps(steps: readonly Step[]): string[] {
  return steps.map((step, i) => `${i + 1}. ${describeStep(step)}`);
}
