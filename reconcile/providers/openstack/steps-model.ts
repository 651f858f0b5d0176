import type { Change, SnapshotRequest } from "../../model.js";
import type { ImagePatchOp } from "./cloud.js";

/** A file frost uploads, as read when planned: apply re-hashes it and refuses when it changed. */
export interface PlannedFile {
  path: string;
  digest: string;
  bytes: number;
}

/**
 * The steps of a change on an OpenStack host. Like the libvirt steps they carry data only, fully
 * decided at plan time; each also carries what it relied on (`expect`, ids), which apply checks
 * again against the cloud before acting, so that a saved plan never acts on a cloud that moved on.
 */
export type OpenStackStep =
  /** Uploads an image to Glance (its kernel and ramdisk first, as aki/ari images), with its properties. */
  | {
      kind: "openstack-upload-image";
      image: string;
      file: PlannedFile;
      diskFormat: string;
      kernel?: PlannedFile;
      ramdisk?: PlannedFile;
      cmdline?: string;
      properties: Record<string, string>;
    }
  /** Patches an image's properties; `expect` is each touched key's value when planned (null: absent). */
  | { kind: "openstack-patch-image"; image: string; imageId: string; expect: Record<string, string | null>; ops: ImagePatchOp[] }
  /** Boots a server from the frost image `image` whose content is `imageDigest`; waits for ACTIVE. */
  | {
      kind: "openstack-create-server";
      server: string;
      image: string;
      imageDigest: string;
      flavorId: string;
      networks: "none" | string[];
      metadata: Record<string, string>;
      state: "running" | "stopped";
    }
  /** Rebuilds a server from `imageId` (its disk is recreated), so that Nova reads the image's properties again. */
  | { kind: "openstack-rebuild-server"; server: string; serverId: string; imageId: string; metadata: Record<string, string> }
  | { kind: "openstack-power"; server: string; serverId: string; state: "running" | "stopped" }
  /** Deletes a server frost created; apply re-reads it and refuses unless it still carries frost's mark. */
  | { kind: "openstack-delete-server"; server: string; serverId: string }
  /**
   * Asks Nova for a snapshot (createImage) and waits for the image. `agentCheck`: the compute host's
   * libvirt URI and domain, where frost pings the agent first (and refuses when quiesce is required
   * and it does not answer); absent where frost cannot reach the compute host. Then a required
   * quiesce is sent to Nova only with `novaQuiesceAccepted`, the host option that accepted Nova's own
   * enforcement (`hosts.cloud.trustNovaQuiesce`); apply refuses it otherwise.
   */
  | {
      kind: "openstack-snapshot";
      server: string;
      serverId: string;
      imageName: string;
      request: SnapshotRequest;
      bootAgent?: boolean;
      agentCheck?: { uri: string; domain: string };
      novaQuiesceAccepted?: string;
      owner?: string;
    }
  /** Deletes a snapshot image frost took; apply re-reads it and refuses unless it is still frost's, of this server. */
  | { kind: "openstack-delete-snapshot"; server: string; serverId: string; imageId: string; imageName: string };

/** True for a step that acts on an OpenStack cloud. */
export function isOpenStackStep(step: { kind: string }): step is OpenStackStep {
  return step.kind.startsWith("openstack-");
}

/** A change of the OpenStack provider's: its steps are OpenStack steps. */
export type OpenStackChange = Change<OpenStackStep>;
