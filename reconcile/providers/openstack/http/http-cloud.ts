import type {
  CreateImageSpec,
  CreateServerSpec,
  Flavor,
  GlanceImage,
  ImagePatchOp,
  InstanceAction,
  Network,
  NovaServer,
  OpenStackCloud,
  SnapshotRequestAnswer,
} from "../cloud.js";
import type { GlanceApi } from "./glance.js";
import type { NeutronApi } from "./neutron.js";
import type { NovaApi } from "./nova.js";

/** The services of a connected cloud. */
export interface CloudApis {
  glance: GlanceApi;
  nova: NovaApi;
  neutron: NeutronApi;
}

/**
 * The OpenStackCloud over HTTP. Connecting (credentials read, transport set up) happens on the
 * first call and is shared by the calls after it; when it fails, the next call tries again, so a
 * credentials error is reported by every call that needed them. Nothing but the name is visible
 * on the object: printing it shows no credentials.
 */
export class HttpCloud implements OpenStackCloud {
  readonly #connect: () => Promise<CloudApis>;
  #apis: Promise<CloudApis> | undefined;

  constructor(
    readonly name: string,
    connect: () => Promise<CloudApis>,
  ) {
    this.#connect = connect;
  }

  #get(): Promise<CloudApis> {
    this.#apis ??= this.#connect().catch((e: unknown) => {
      this.#apis = undefined;
      throw e;
    });
    return this.#apis;
  }

  async listImages(): Promise<GlanceImage[]> {
    return (await this.#get()).glance.listImages();
  }
  async getImage(id: string): Promise<GlanceImage | undefined> {
    return (await this.#get()).glance.getImage(id);
  }
  async createImage(spec: CreateImageSpec): Promise<GlanceImage> {
    return (await this.#get()).glance.createImage(spec);
  }
  async uploadImage(id: string, path: string, bytes: number): Promise<void> {
    return (await this.#get()).glance.uploadImage(id, path, bytes);
  }
  async patchImage(id: string, ops: ImagePatchOp[]): Promise<GlanceImage> {
    return (await this.#get()).glance.patchImage(id, ops);
  }
  async deleteImage(id: string): Promise<void> {
    return (await this.#get()).glance.deleteImage(id);
  }

  async listServers(): Promise<NovaServer[]> {
    return (await this.#get()).nova.listServers();
  }
  async getServer(id: string): Promise<NovaServer | undefined> {
    return (await this.#get()).nova.getServer(id);
  }
  async createServer(spec: CreateServerSpec): Promise<string> {
    return (await this.#get()).nova.createServer(spec);
  }
  async rebuildServer(id: string, imageId: string, metadata?: Record<string, string>): Promise<void> {
    return (await this.#get()).nova.rebuildServer(id, imageId, metadata);
  }
  async deleteServer(id: string): Promise<void> {
    return (await this.#get()).nova.deleteServer(id);
  }
  async startServer(id: string): Promise<void> {
    return (await this.#get()).nova.startServer(id);
  }
  async stopServer(id: string): Promise<void> {
    return (await this.#get()).nova.stopServer(id);
  }
  async setServerMetadata(id: string, metadata: Record<string, string>): Promise<void> {
    return (await this.#get()).nova.setServerMetadata(id, metadata);
  }
  async createSnapshot(serverId: string, name: string, metadata: Record<string, string>): Promise<SnapshotRequestAnswer> {
    return (await this.#get()).nova.createSnapshot(serverId, name, metadata);
  }
  async listInstanceActions(serverId: string): Promise<InstanceAction[]> {
    return (await this.#get()).nova.listInstanceActions(serverId);
  }
  async getInstanceAction(serverId: string, requestId: string): Promise<InstanceAction> {
    return (await this.#get()).nova.getInstanceAction(serverId, requestId);
  }
  async listFlavors(): Promise<Flavor[]> {
    return (await this.#get()).nova.listFlavors();
  }

  async listNetworks(): Promise<Network[]> {
    return (await this.#get()).neutron.listNetworks();
  }
}
