import type { CreateServerSpec, Flavor, InstanceAction, NovaServer, SnapshotRequestAnswer } from "../cloud.js";
import { unreadableAnswer } from "./failure.js";
import { isObject, objectAt, stringAt } from "./json-fields.js";
import { toFlavor, toInstanceAction, toNovaServer } from "./nova-server.js";
import { allPages, linkedPage } from "./pagination.js";
import type { ServiceClient } from "./service.js";

/**
 * The compute microversion frost asks for: 2.37 lets a server have no network (`networks: "none"`),
 * 2.45 answers createImage with the image id in the body, 2.47 embeds the flavor with its
 * original_name, 2.58 pages os-instance-actions. 2.60 is Queens (2018).
 */
export const NOVA_MICROVERSION = "2.60";

/** Sent with every Nova request: the current header and the one older Novas read. */
export const NOVA_HEADERS: Readonly<Record<string, string>> = {
  "OpenStack-API-Version": `compute ${NOVA_MICROVERSION}`,
  "X-OpenStack-Nova-API-Version": NOVA_MICROVERSION,
};

const id = encodeURIComponent;

/** Nova: servers, their actions and snapshots, flavors. */
export class NovaApi {
  constructor(private readonly client: ServiceClient) {}

  async listServers(): Promise<NovaServer[]> {
    const items = await allPages(this.client, "/servers/detail", linkedPage("servers"));
    return items.map(toNovaServer).filter((s): s is NovaServer => s !== undefined);
  }

  async getServer(serverId: string): Promise<NovaServer | undefined> {
    const { value, answer } = await this.client.json("GET", `/servers/${id(serverId)}`, { accept: [404] });
    if (answer.status === 404) return undefined;
    const server = toNovaServer(objectAt(value, "server"));
    if (!server) throw unreadableAnswer(answer.site, answer.status, "no server with an id in the body");
    return server;
  }

  async createServer(spec: CreateServerSpec): Promise<string> {
    const server = {
      name: spec.name,
      imageRef: spec.imageId,
      flavorRef: spec.flavorId,
      networks: spec.networks === "none" ? "none" : spec.networks.map((uuid) => ({ uuid })),
      metadata: spec.metadata,
    };
    // The answer also holds adminPass: only the id is read.
    const { value, answer } = await this.client.json("POST", "/servers", { json: { server } });
    const serverId = stringAt(objectAt(value, "server"), "id");
    if (serverId === undefined) throw unreadableAnswer(answer.site, answer.status, "no server id in the body");
    return serverId;
  }

  async rebuildServer(serverId: string, imageId: string, metadata?: Record<string, string>): Promise<void> {
    await this.action(serverId, { rebuild: { imageRef: imageId, ...(metadata !== undefined ? { metadata } : {}) } });
  }

  async deleteServer(serverId: string): Promise<void> {
    await this.client.call("DELETE", `/servers/${id(serverId)}`);
  }

  async startServer(serverId: string): Promise<void> {
    await this.action(serverId, { "os-start": null });
  }

  async stopServer(serverId: string): Promise<void> {
    await this.action(serverId, { "os-stop": null });
  }

  /** POST /servers/ID/metadata: adds or replaces these keys, leaves the others. */
  async setServerMetadata(serverId: string, metadata: Record<string, string>): Promise<void> {
    await this.client.call("POST", `/servers/${id(serverId)}/metadata`, { json: { metadata } });
  }

  /**
   * createImage: the image id from the body (2.45), else from the Location header older Novas
   * send; the request id from x-openstack-request-id (or x-compute-request-id), which finds the
   * action in os-instance-actions afterwards.
   */
  async createSnapshot(serverId: string, name: string, metadata: Record<string, string>): Promise<SnapshotRequestAnswer> {
    const answer = await this.action(serverId, { createImage: { name, metadata } });
    let imageId = stringAt(parseOptional(answer.body), "image_id");
    const location = header(answer.headers["location"]);
    if (imageId === undefined && location !== undefined) imageId = location.replace(/\/+$/, "").split("/").pop();
    if (!imageId) throw unreadableAnswer(answer.site, answer.status, "no image_id in the body and no Location header");
    const requestId = header(answer.headers["x-openstack-request-id"]) ?? header(answer.headers["x-compute-request-id"]);
    return { imageId, ...(requestId !== undefined ? { requestId } : {}) };
  }

  /** The server's actions, newest first, without their events. */
  async listInstanceActions(serverId: string): Promise<InstanceAction[]> {
    const items = await allPages(this.client, `/servers/${id(serverId)}/os-instance-actions`, linkedPage("instanceActions", "links"));
    return items.map(toInstanceAction).filter((a): a is InstanceAction => a !== undefined);
  }

  async getInstanceAction(serverId: string, requestId: string): Promise<InstanceAction> {
    const { value, answer } = await this.client.json("GET", `/servers/${id(serverId)}/os-instance-actions/${id(requestId)}`);
    const action = toInstanceAction(objectAt(value, "instanceAction"));
    if (!action) throw unreadableAnswer(answer.site, answer.status, "no instanceAction with an action and a request_id in the body");
    return action;
  }

  async listFlavors(): Promise<Flavor[]> {
    const items = await allPages(this.client, "/flavors/detail", linkedPage("flavors"));
    return items.map(toFlavor).filter((f): f is Flavor => f !== undefined);
  }

  private action(serverId: string, body: Record<string, unknown>) {
    return this.client.call("POST", `/servers/${id(serverId)}/action`, { json: body });
  }
}

function header(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === "" ? undefined : v;
}

/** A body that may be empty or not JSON (older microversions answer some actions with nothing). */
function parseOptional(body: Buffer): unknown {
  try {
    const value = JSON.parse(body.toString("utf8")) as unknown;
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
