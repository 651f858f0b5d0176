/**
 * What frost needs from an OpenStack cloud: Glance v2 images and Nova servers, in frost's terms.
 * Two implementations: the real one speaks HTTP to Keystone, Glance, Nova and Neutron
 * (`http/`), the fake keeps everything in memory for fast unit tests (`test/support/fake-openstack/`); the
 * contract suite runs the same cases against both so that the fake cannot drift.
 *
 * Every call is bounded by a deadline of frost's own; a call that fails throws an `OpenStackError`
 * whose message names the service, the request and what the service said (never a secret).
 */

/** A Glance image. `properties` are every attribute that is not one of Glance's own, as strings. */
export interface GlanceImage {
  id: string;
  name: string;
  /** queued | saving | active | killed | deleted | pending_delete | importing | uploading */
  status: string;
  diskFormat?: string;
  containerFormat?: string;
  /** Bytes, once uploaded. */
  size?: number;
  visibility: string;
  /** ISO 8601. */
  createdAt: string;
  updatedAt: string;
  properties: Record<string, string>;
}

/** A Nova server, with the admin attributes where the caller may read them. */
export interface NovaServer {
  id: string;
  name: string;
  /** ACTIVE | SHUTOFF | BUILD | ERROR | REBUILD | ... */
  status: string;
  /** OS-EXT-STS:task_state; null when no task runs. */
  taskState: string | null;
  /** The image the server was booted (or last rebuilt) from; absent for a volume-booted server. */
  imageId?: string;
  /** The flavor's name (microversion 2.47 and later embed it as original_name). */
  flavorName?: string;
  createdAt: string;
  updatedAt: string;
  metadata: Record<string, string>;
  /** OS-EXT-SRV-ATTR:host: the compute service's host name (admin only). */
  computeHost?: string;
  /** OS-EXT-SRV-ATTR:instance_name: the libvirt domain's name (admin only). */
  instanceName?: string;
  /** The fault message of a server in ERROR. */
  fault?: string;
}

/** One entry of `os-instance-actions`, with its events when read one by one. */
export interface InstanceAction {
  /** createImage, create, rebuild, ... */
  action: string;
  requestId: string;
  startTime: string;
  /** "Error" when the action failed; null or absent otherwise. */
  message?: string | null;
  events: { event: string; result?: string | null; finishTime?: string | null; traceback?: string | null }[];
}

export interface Flavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
}

export interface Network {
  id: string;
  name: string;
}

/** One JSON-patch operation on a Glance image (values are strings: Glance refuses others). */
export type ImagePatchOp = { op: "add" | "replace"; path: string; value: string } | { op: "remove"; path: string };

export interface CreateImageSpec {
  name: string;
  diskFormat: string;
  containerFormat: string;
  properties: Record<string, string>;
}

export interface CreateServerSpec {
  name: string;
  imageId: string;
  flavorId: string;
  /** `none`: no network at all (microversion 2.37); otherwise the networks' ids. */
  networks: "none" | string[];
  metadata: Record<string, string>;
}

/** What `createImage` answered: the id of the image it will fill, and the request it was. */
export interface SnapshotRequestAnswer {
  imageId: string;
  /** x-openstack-request-id / x-compute-request-id: finds the action in os-instance-actions. */
  requestId?: string;
}

export interface OpenStackCloud {
  /** The cloud's name as configured (clouds.yaml entry, or "OS_* environment" for the OS_* variables); for messages. */
  readonly name: string;

  /** Every image the caller can see (all pages). */
  listImages(): Promise<GlanceImage[]>;
  /** One image, or undefined when Glance says 404. */
  getImage(id: string): Promise<GlanceImage | undefined>;
  /** POST /v2/images: the image record, status queued. */
  createImage(spec: CreateImageSpec): Promise<GlanceImage>;
  /** PUT /v2/images/ID/file, streamed from `path` (never read whole into memory). */
  uploadImage(id: string, path: string, bytes: number): Promise<void>;
  /** PATCH with application/openstack-images-v2.1-json-patch; the image as it is afterwards. */
  patchImage(id: string, ops: ImagePatchOp[]): Promise<GlanceImage>;
  deleteImage(id: string): Promise<void>;

  /** Every server of the project (all pages), in detail. */
  listServers(): Promise<NovaServer[]>;
  /** One server, or undefined when Nova says 404. */
  getServer(id: string): Promise<NovaServer | undefined>;
  /** POST /servers: the new server's id (it is BUILD; wait with getServer). */
  createServer(spec: CreateServerSpec): Promise<string>;
  /** Rebuild from `imageId` (the disk is recreated from the image; metadata replaced when given). */
  rebuildServer(id: string, imageId: string, metadata?: Record<string, string>): Promise<void>;
  deleteServer(id: string): Promise<void>;
  startServer(id: string): Promise<void>;
  stopServer(id: string): Promise<void>;
  /** Sets (adds or replaces) server metadata keys. */
  setServerMetadata(id: string, metadata: Record<string, string>): Promise<void>;
  /** POST /servers/ID/action createImage (microversion 2.45: the image id in the body). */
  createSnapshot(serverId: string, name: string, metadata: Record<string, string>): Promise<SnapshotRequestAnswer>;
  /** os-instance-actions of a server (newest first), without events. */
  listInstanceActions(serverId: string): Promise<InstanceAction[]>;
  /** One action with its events. */
  getInstanceAction(serverId: string, requestId: string): Promise<InstanceAction>;

  listFlavors(): Promise<Flavor[]>;
  /** Neutron networks the caller can see; [] where the cloud has no network service. */
  listNetworks(): Promise<Network[]>;
}

/** A failed OpenStack call: `status` is the HTTP status (0 when there was no answer). */
export class OpenStackError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly service: string,
  ) {
    super(message);
    this.name = "OpenStackError";
  }
}
