import { showBytes } from "../../units.js";
import type { OpenStackStep } from "./steps-model.js";

/** One OpenStack step in plain words, naming the servers and images it acts on in full, with their ids. */
export function describeOpenStackStep(step: OpenStackStep): string {
  switch (step.kind) {
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
  }
}
