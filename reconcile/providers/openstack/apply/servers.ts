import type { NovaServer, OpenStackCloud } from "../cloud.js";
import { MARK, isUploaded } from "../markers.js";
import type { OpenStackStep } from "../steps-model.js";
import { waitFor, type OpenStackWaits } from "./wait.js";

type Step<K extends OpenStackStep["kind"]> = Extract<OpenStackStep, { kind: K }>;

/** Waits until the server is `status` with no task running; ERROR (or the server gone) fails at once. */
export async function waitForServer(
  cloud: OpenStackCloud,
  id: string,
  name: string,
  status: "ACTIVE" | "SHUTOFF",
  waits: Required<OpenStackWaits>,
): Promise<NovaServer> {
  const server = await waitFor(
    () => cloud.getServer(id),
    (s) => {
      if (!s) return { failed: `server ${name} (${id}) disappeared` };
      if (s.status === "ERROR") return { failed: `server ${name} (${id}) is in ERROR${s.fault ? `: ${s.fault}` : ""}` };
      return s.status === status && s.taskState === null ? "done" : "wait";
    },
    { pollMs: waits.pollMs, deadlineMs: waits.serverMs, timers: waits.timers },
    (s) =>
      `server ${name} (${id}) is not ${status} after ${Math.round(waits.serverMs / 1000)} s (${s?.status ?? "?"}, task ${s?.taskState ?? "none"})`,
  );
  return server as NovaServer;
}

/** Boots a server from frost's image of the planned content, and waits for it. */
export async function createServer(
  cloud: OpenStackCloud,
  step: Step<"openstack-create-server">,
  waits: Required<OpenStackWaits>,
): Promise<{ detail: string }> {
  const [images, servers] = await Promise.all([cloud.listImages(), cloud.listServers()]);
  const image = images.find(
    (g) => isUploaded(g.properties, step.image) && g.properties[MARK.sha256] === step.imageDigest && g.status === "active",
  );
  if (!image)
    throw new Error(`Glance has no active image ${step.image} with content ${step.imageDigest.slice(0, 19)}…; nothing was booted`);
  const clash = servers.find((s) => s.name === step.server);
  if (clash)
    throw new Error(
      `a server named ${step.server} (${clash.id}) exists now, which it did not when planned; nothing was booted: run frost plan again`,
    );
  const id = await cloud.createServer({
    name: step.server,
    imageId: image.id,
    flavorId: step.flavorId,
    networks: step.networks,
    metadata: step.metadata,
  });
  await waitForServer(cloud, id, step.server, "ACTIVE", waits);
  if (step.state === "stopped") {
    await cloud.stopServer(id);
    await waitForServer(cloud, id, step.server, "SHUTOFF", waits);
  }
  return { detail: `server ${id} from image ${image.id}, ${step.state === "stopped" ? "stopped" : "active"}` };
}

/** Rebuilds a server from its image, so that Nova reads the image's properties again. */
export async function rebuildServer(
  cloud: OpenStackCloud,
  step: Step<"openstack-rebuild-server">,
  waits: Required<OpenStackWaits>,
): Promise<{ detail: string }> {
  const server = await cloud.getServer(step.serverId);
  if (!server) throw new Error(`server ${step.server} (${step.serverId}) no longer exists; nothing was rebuilt`);
  await cloud.rebuildServer(step.serverId, step.imageId, step.metadata);
  await waitForServer(cloud, step.serverId, step.server, "ACTIVE", waits);
  return { detail: `rebuilt from image ${step.imageId}` };
}

/** Deletes a server frost created (never one without its mark) and waits until Nova no longer lists it. */
export async function deleteServer(
  cloud: OpenStackCloud,
  step: Step<"openstack-delete-server">,
  waits: Required<OpenStackWaits>,
): Promise<{ detail: string }> {
  const server = await cloud.getServer(step.serverId);
  if (!server) return { detail: `server ${step.server} (${step.serverId}) is already gone` };
  if (server.metadata[MARK.createdBy] !== "frost" || server.metadata[MARK.protect] === "true") {
    throw new Error(
      `refused: server ${step.server} (${step.serverId}) is not a server frost may destroy (no frost mark, or protected); nothing was deleted`,
    );
  }
  await cloud.deleteServer(step.serverId);
  await waitFor(
    () => cloud.getServer(step.serverId),
    (s) =>
      s === undefined || s.status === "DELETED"
        ? "done"
        : s.status === "ERROR"
          ? { failed: `server ${step.server} is in ERROR while being deleted${s.fault ? `: ${s.fault}` : ""}` }
          : "wait",
    { pollMs: waits.pollMs, deadlineMs: waits.serverMs, timers: waits.timers },
    (s) =>
      `server ${step.server} (${step.serverId}) is still there after ${Math.round(waits.serverMs / 1000)} s (${s?.status ?? "?"}, task ${s?.taskState ?? "none"})`,
  );
  return { detail: `deleted server ${step.serverId}` };
}

/** Starts or stops a server and waits for it. */
export async function powerServer(
  cloud: OpenStackCloud,
  step: Step<"openstack-power">,
  waits: Required<OpenStackWaits>,
): Promise<{ detail: string }> {
  if (step.state === "running") await cloud.startServer(step.serverId);
  else await cloud.stopServer(step.serverId);
  await waitForServer(cloud, step.serverId, step.server, step.state === "running" ? "ACTIVE" : "SHUTOFF", waits);
  return { detail: step.state === "running" ? "started" : "stopped" };
}
