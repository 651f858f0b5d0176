import type { Clock } from "../../../clock.js";
import type { OpenStackCloud } from "../cloud.js";
import type { ComputeAccess } from "../../../compute.js";
import type { OpenStackStep } from "../steps-model.js";
import { patchImage, uploadImage } from "./images.js";
import { createServer, deleteServer, powerServer, rebuildServer } from "./servers.js";
import { deleteNovaSnapshot, takeNovaSnapshot } from "./snapshot.js";
import { DEFAULT_WAITS, type OpenStackWaits } from "./wait.js";

/** What apply needs to act on OpenStack hosts. */
export interface OpenStackApplyOptions {
  cloudFor(host: string): OpenStackCloud;
  computeFor(uri: string): ComputeAccess;
  waits?: OpenStackWaits;
}

/** One OpenStack step on host `host`'s cloud. */
export async function performOpenStackStep(
  host: string,
  step: OpenStackStep,
  options: OpenStackApplyOptions,
  clock: Clock,
): Promise<{ detail?: string; warnings?: string[] }> {
  const cloud = options.cloudFor(host);
  const waits = { ...DEFAULT_WAITS, ...options.waits };
  switch (step.kind) {
    case "openstack-upload-image":
      return uploadImage(cloud, step);
    case "openstack-patch-image":
      return patchImage(cloud, step);
    case "openstack-create-server":
      return createServer(cloud, step, waits);
    case "openstack-rebuild-server":
      return rebuildServer(cloud, step, waits);
    case "openstack-power":
      return powerServer(cloud, step, waits);
    case "openstack-delete-server":
      return deleteServer(cloud, step, waits);
    case "openstack-snapshot":
      return takeNovaSnapshot(cloud, options.computeFor, step, clock, waits);
    case "openstack-delete-snapshot":
      return deleteNovaSnapshot(cloud, step);
  }
}
