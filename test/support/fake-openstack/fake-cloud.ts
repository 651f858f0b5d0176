import { stat } from "node:fs/promises";
import type { ComputeAccess, ComputeGuest } from "../../../reconcile/compute.js";
import type { AgentProbe } from "../../../reconcile/guest-agent.js";
import {
  OpenStackError,
  type CreateImageSpec,
  type CreateServerSpec,
  type Flavor,
  type GlanceImage,
  type ImagePatchOp,
  type InstanceAction,
  type Network,
  type NovaServer,
  type OpenStackCloud,
  type SnapshotRequestAnswer,
} from "../../../reconcile/providers/openstack/cloud.js";
import { truthy } from "../../../reconcile/providers/openstack/markers.js";

/**
 * The agent of a fake server: answering, stopped (channel disconnected), or hung (frost's
 * guest-ping times out). A hung agent is never tested through the real Nova: its freeze would
 * block nova-compute; frost's own ping, with its deadline, goes first and refuses.
 */
export type FakeServerAgent = "running" | "stopped" | "hung";

interface FakeServerState {
  server: NovaServer;
  /** What Nova copied from the image at boot: only these decide the channel and quiescing. */
  boot: { agent: boolean; requireQuiesce: boolean };
  agent: FakeServerAgent;
  actions: InstanceAction[];
  /** Snapshot image ids taken while the guest was frozen. */
  frozenSnapshots: string[];
  /** Whether the compute host's libvirt has the server's domain (false: removed outside Nova). */
  domain: boolean;
}

const GLANCE_OWN = new Set(["id", "name", "status", "visibility", "disk_format", "container_format", "size"]);

/**
 * An in-memory OpenStack with the behaviour frost relies on, as observed on a real Nova: image
 * properties are copied into a server at boot (a later change has no effect until a rebuild);
 * createImage quiesces through the agent when the boot properties ask for it, fails silently (202,
 * then no image, `createImage` → Error in os-instance-actions) when os_require_quiesce was set
 * without the agent property, snapshots WITHOUT freezing when the agent does not answer, and
 * "succeeds" with no image for a server whose domain was removed behind its back.
 * `compute()` is the compute host's libvirt as frost sees it (channel and guest-ping).
 */
export class FakeCloud implements OpenStackCloud {
  readonly name = "fake";
  readonly images = new Map<string, GlanceImage>();
  readonly servers = new Map<string, FakeServerState>();
  readonly flavors: Flavor[] = [{ id: "f1", name: "frost.tiny", ram: 256, vcpus: 1, disk: 1 }];
  readonly networks: Network[] = [{ id: "n1", name: "frost-net" }];
  /** Every call, for tests: `createSnapshot web`, `patchImage <id>`. */
  readonly calls: string[] = [];
  /** getImage calls a new snapshot image answers `saving` to before it is `active`. */
  snapshotPendingPolls = 0;
  private seq = 0;
  private clockMs = Date.parse("2026-11-25T00:00:00Z");
  private readonly failures = new Map<string, string>();
  private readonly pending = new Map<string, number>();

  /** The next call of `method` fails with `message` (an OpenStackError with status 500). */
  failNext(method: keyof OpenStackCloud, message: string): void {
    this.failures.set(method, message);
  }

  /** Adds an image as if someone uploaded it (not frost). */
  withImage(name: string, properties: Record<string, string> = {}, extra: Partial<GlanceImage> = {}): GlanceImage {
    const image = this.newImage(name, "qcow2", "bare", properties);
    image.status = "active";
    image.size = 1024;
    Object.assign(image, extra);
    return image;
  }

  /** Adds a server as if someone booted it (not frost), from `imageId`. */
  withServer(name: string, imageId: string, options: { metadata?: Record<string, string>; agent?: FakeServerAgent } = {}): NovaServer {
    const id = this.boot({ name, imageId, flavorId: "f1", networks: "none", metadata: options.metadata ?? {} });
    const state = this.servers.get(id) as FakeServerState;
    if (options.agent) state.agent = options.agent;
    return state.server;
  }

  /** The state of a server by name (tests). */
  server(name: string): FakeServerState {
    const found = [...this.servers.values()].find((s) => s.server.name === name);
    if (!found) throw new Error(`fake: no server ${name}`);
    return found;
  }

  setAgent(name: string, agent: FakeServerAgent): void {
    this.server(name).agent = agent;
  }

  /** Removes a server's domain from the compute host behind Nova's back (as `virsh undefine` would): Nova still lists it. */
  removeDomain(name: string): void {
    this.server(name).domain = false;
  }

  /** The compute host's libvirt, as frost reaches it: domains named after the servers' instance names. */
  compute(): ComputeAccess {
    return {
      guests: async (names, options) => {
        const guests: Record<string, ComputeGuest> = {};
        for (const s of this.servers.values()) {
          const dom = s.server.instanceName as string;
          if (!s.domain || !names.includes(dom)) continue;
          const running = s.server.status === "ACTIVE";
          guests[dom] = {
            state: running ? "running" : "shutoff",
            agentChannel: s.boot.agent,
            ...(running ? { liveChannel: s.boot.agent ? "connected" : "none" } : {}),
            persistentChannel: s.boot.agent,
            agent: running && options.ping ? this.probe(s) : { status: "not-checked" },
          };
        }
        return guests;
      },
      pingAgent: async (domain: string): Promise<AgentProbe> => {
        const s = [...this.servers.values()].find((x) => x.server.instanceName === domain && x.domain);
        if (!s) return { status: "error", message: `Domain not found: no domain with matching name '${domain}'` };
        return this.probe(s);
      },
    };
  }

  /** Newest first, as Glance lists them (created_at descending; the later of one second first). */
  async listImages(): Promise<GlanceImage[]> {
    this.call("listImages");
    return [...this.images.values()]
      .reverse()
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .map(copyImage);
  }

  async getImage(id: string): Promise<GlanceImage | undefined> {
    this.call("getImage", id);
    const image = this.images.get(id);
    if (!image) return undefined;
    const left = this.pending.get(id);
    if (left !== undefined) {
      if (left > 0) {
        this.pending.set(id, left - 1);
        return { ...copyImage(image), status: "saving" };
      }
      this.pending.delete(id);
    }
    return copyImage(image);
  }

  async createImage(spec: CreateImageSpec): Promise<GlanceImage> {
    this.call("createImage", spec.name);
    for (const [k, v] of Object.entries(spec.properties)) {
      if (typeof v !== "string") throw new OpenStackError(`Glance POST /v2/images: 400 Bad Request: ${k} is not a string`, 400, "image");
    }
    return copyImage(this.newImage(spec.name, spec.diskFormat, spec.containerFormat, spec.properties));
  }

  async uploadImage(id: string, path: string, bytes: number): Promise<void> {
    this.call("uploadImage", id);
    const image = this.mustImage(id, "PUT", `/v2/images/${id}/file`);
    const size = (await stat(path)).size;
    if (size !== bytes) throw new OpenStackError(`fake: ${path} has ${size} bytes, not ${bytes}`, 400, "image");
    if (image.status !== "queued")
      throw new OpenStackError(`Glance PUT /v2/images/${id}/file: 409 Conflict: image is ${image.status}`, 409, "image");
    image.size = size;
    image.status = "active";
    this.touch(image);
  }

  async patchImage(id: string, ops: ImagePatchOp[]): Promise<GlanceImage> {
    this.call("patchImage", id);
    const image = this.mustImage(id, "PATCH", `/v2/images/${id}`);
    const next = { ...image.properties };
    for (const op of ops) {
      const key = op.path.replace(/^\//, "");
      if (GLANCE_OWN.has(key) || key.startsWith("os_glance_")) {
        throw new OpenStackError(`Glance PATCH /v2/images/${id}: 403 Forbidden: attribute ${key} is read-only or reserved`, 403, "image");
      }
      if (op.op === "remove" || op.op === "replace") {
        if (!(key in next))
          throw new OpenStackError(`Glance PATCH /v2/images/${id}: 409 Conflict: property ${key} does not exist`, 409, "image");
      }
      if (op.op === "remove") delete next[key];
      else {
        if (typeof op.value !== "string")
          throw new OpenStackError(`Glance PATCH: 400 Bad Request: ${String(op.value)} is not of type 'string'`, 400, "image");
        next[key] = op.value;
      }
    }
    image.properties = next;
    this.touch(image);
    return copyImage(image);
  }

  async deleteImage(id: string): Promise<void> {
    this.call("deleteImage", id);
    this.mustImage(id, "DELETE", `/v2/images/${id}`);
    this.images.delete(id);
  }

  async listServers(): Promise<NovaServer[]> {
    this.call("listServers");
    return [...this.servers.values()].map((s) => copyServer(s.server));
  }

  async getServer(id: string): Promise<NovaServer | undefined> {
    this.call("getServer", id);
    const s = this.servers.get(id);
    return s ? copyServer(s.server) : undefined;
  }

  async createServer(spec: CreateServerSpec): Promise<string> {
    this.call("createServer", spec.name);
    return this.boot(spec);
  }

  async rebuildServer(id: string, imageId: string, metadata?: Record<string, string>): Promise<void> {
    this.call("rebuildServer", id);
    const s = this.mustServer(id);
    const image = this.images.get(imageId);
    if (!image || image.status !== "active")
      throw new OpenStackError(`Nova POST /servers/${id}/action: 400 Bad Request: Image ${imageId} is not active`, 400, "compute");
    s.boot = bootOf(image);
    s.domain = true;
    s.server.imageId = imageId;
    if (metadata) s.server.metadata = { ...metadata };
    s.actions.unshift(this.action("rebuild"));
    this.touchServer(s);
  }

  async deleteServer(id: string): Promise<void> {
    this.call("deleteServer", id);
    this.mustServer(id);
    this.servers.delete(id);
  }

  async startServer(id: string): Promise<void> {
    this.call("startServer", id);
    const s = this.mustServer(id);
    s.server.status = "ACTIVE";
    s.domain = true; // Nova's power-on defines the domain again from its record
    this.touchServer(s);
  }

  async stopServer(id: string): Promise<void> {
    this.call("stopServer", id);
    const s = this.mustServer(id);
    s.server.status = "SHUTOFF";
    this.touchServer(s);
  }

  async setServerMetadata(id: string, metadata: Record<string, string>): Promise<void> {
    this.call("setServerMetadata", id);
    const s = this.mustServer(id);
    s.server.metadata = { ...s.server.metadata, ...metadata };
  }

  async createSnapshot(serverId: string, name: string, metadata: Record<string, string>): Promise<SnapshotRequestAnswer> {
    const s = this.mustServer(serverId);
    this.call("createSnapshot", s.server.name);
    const base = s.server.imageId ? this.images.get(s.server.imageId) : undefined;
    // Nova copies the base image's properties into the snapshot, frost's marks included.
    const inherited = base ? { ...base.properties } : {};
    const image = this.newImage(name, "qcow2", "bare", {
      ...inherited,
      ...metadata,
      image_type: "snapshot",
      instance_uuid: serverId,
      ...(s.server.imageId ? { base_image_ref: s.server.imageId } : {}),
    });
    const action = this.action("createImage");
    s.actions.unshift(action);
    if (!s.domain) {
      // Nova: "trying to snapshot a non-running instance", then "Instance disappeared during
      // snapshot": the image is deleted, the action says Success, the server stays in task state image_snapshot.
      this.images.delete(image.id);
      action.events = [{ event: "compute_snapshot_instance", result: "Success", finishTime: this.now() }];
      s.server.taskState = "image_snapshot";
      return { imageId: image.id, requestId: action.requestId };
    }
    const running = s.server.status === "ACTIVE";
    if (running && s.boot.requireQuiesce && !s.boot.agent) {
      // Nova: "Quiescing is not supported" → the image is deleted, the server stays ACTIVE, no fault.
      this.images.delete(image.id);
      action.message = "Error";
      action.events = [{ event: "compute_snapshot_instance", result: "Error", finishTime: this.now() }];
      return { imageId: image.id, requestId: action.requestId };
    }
    // A running guest whose agent answers is frozen for the snapshot; one whose agent does not is not,
    // even with os_require_quiesce (Nova's _live_snapshot goes on when the freeze fails).
    if (running && s.boot.agent && s.agent === "hung") {
      // What the real Nova does here: libvirt's freeze blocks with no deadline, and so does the snapshot.
      throw new Error("fake: createImage on a server whose agent hangs would wedge nova-compute");
    }
    if (running && s.boot.agent && s.agent === "running") s.frozenSnapshots.push(image.id);
    image.status = "active";
    image.size = 1024;
    if (this.snapshotPendingPolls > 0) this.pending.set(image.id, this.snapshotPendingPolls);
    action.events = [{ event: "compute_snapshot_instance", result: "Success", finishTime: this.now() }];
    return { imageId: image.id, requestId: action.requestId };
  }

  async listInstanceActions(serverId: string): Promise<InstanceAction[]> {
    this.call("listInstanceActions", serverId);
    return this.mustServer(serverId).actions.map((a) => ({ ...a, events: [] }));
  }

  async getInstanceAction(serverId: string, requestId: string): Promise<InstanceAction> {
    this.call("getInstanceAction", serverId);
    const found = this.mustServer(serverId).actions.find((a) => a.requestId === requestId);
    if (!found) throw new OpenStackError(`Nova GET /servers/${serverId}/os-instance-actions/${requestId}: 404 Not Found`, 404, "compute");
    return { ...found, events: [...found.events] };
  }

  async listFlavors(): Promise<Flavor[]> {
    this.call("listFlavors");
    return this.flavors.map((f) => ({ ...f }));
  }

  async listNetworks(): Promise<Network[]> {
    this.call("listNetworks");
    return this.networks.map((n) => ({ ...n }));
  }

  private boot(spec: CreateServerSpec): string {
    const image = this.images.get(spec.imageId);
    if (!image || image.status !== "active") {
      throw new OpenStackError(
        `Nova POST /servers: 400 Bad Request: Image ${spec.imageId} could not be found or is not active`,
        400,
        "compute",
      );
    }
    const flavor = this.flavors.find((f) => f.id === spec.flavorId);
    if (!flavor)
      throw new OpenStackError(`Nova POST /servers: 400 Bad Request: Flavor ${spec.flavorId} could not be found`, 400, "compute");
    if (spec.networks !== "none") {
      for (const n of spec.networks) {
        if (!this.networks.some((x) => x.id === n))
          throw new OpenStackError(`Nova POST /servers: 400 Bad Request: Network ${n} could not be found`, 400, "compute");
      }
    }
    const n = ++this.seq;
    const id = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
    const at = this.now();
    const server: NovaServer = {
      id,
      name: spec.name,
      status: "ACTIVE",
      taskState: null,
      imageId: spec.imageId,
      flavorName: flavor.name,
      createdAt: at,
      updatedAt: at,
      metadata: { ...spec.metadata },
      computeHost: "fake-compute",
      instanceName: `instance-${n.toString(16).padStart(8, "0")}`,
    };
    this.servers.set(id, {
      server,
      boot: bootOf(image),
      agent: "running",
      actions: [this.action("create")],
      frozenSnapshots: [],
      domain: true,
    });
    return id;
  }

  private probe(s: FakeServerState): AgentProbe {
    if (s.server.status !== "ACTIVE") return { status: "not-checked" };
    if (!s.boot.agent) return { status: "no-channel" };
    if (s.agent === "hung") return { status: "timeout", message: "Guest agent is not responding: Guest agent not available for now" };
    return s.agent === "running"
      ? { status: "ok", elapsedMs: 1 }
      : { status: "not-connected", message: "Guest agent is not responding: QEMU guest agent is not connected" };
  }

  private newImage(name: string, diskFormat: string, containerFormat: string, properties: Record<string, string>): GlanceImage {
    const n = ++this.seq;
    const at = this.now();
    const image: GlanceImage = {
      id: `11111111-0000-4000-8000-${String(n).padStart(12, "0")}`,
      name,
      status: "queued",
      diskFormat,
      containerFormat,
      visibility: "shared",
      createdAt: at,
      updatedAt: at,
      properties: { ...properties },
    };
    this.images.set(image.id, image);
    return image;
  }

  private action(action: string): InstanceAction {
    return { action, requestId: `req-${String(++this.seq).padStart(8, "0")}`, startTime: this.now(), message: null, events: [] };
  }

  private call(method: keyof OpenStackCloud, arg?: string): void {
    this.calls.push(arg === undefined ? method : `${method} ${arg}`);
    const failure = this.failures.get(method);
    if (failure !== undefined) {
      this.failures.delete(method);
      throw new OpenStackError(failure, 500, "fake");
    }
  }

  private mustImage(id: string, method: string, path: string): GlanceImage {
    const image = this.images.get(id);
    if (!image) throw new OpenStackError(`Glance ${method} ${path}: 404 Not Found: no image with ID ${id}`, 404, "image");
    return image;
  }

  private mustServer(id: string): FakeServerState {
    const s = this.servers.get(id);
    if (!s) throw new OpenStackError(`Nova /servers/${id}: 404 Not Found: Instance ${id} could not be found`, 404, "compute");
    return s;
  }

  private now(): string {
    this.clockMs += 1000;
    return new Date(this.clockMs).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  private touch(image: GlanceImage): void {
    image.updatedAt = this.now();
  }

  private touchServer(s: FakeServerState): void {
    s.server.updatedAt = this.now();
  }
}

function bootOf(image: GlanceImage): { agent: boolean; requireQuiesce: boolean } {
  return { agent: truthy(image.properties["hw_qemu_guest_agent"]), requireQuiesce: truthy(image.properties["os_require_quiesce"]) };
}

function copyImage(i: GlanceImage): GlanceImage {
  return { ...i, properties: { ...i.properties } };
}

function copyServer(s: NovaServer): NovaServer {
  return { ...s, metadata: { ...s.metadata } };
}
