import { copyFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { GlanceImage, NovaServer, OpenStackCloud } from "../../reconcile/providers/openstack/cloud.js";
import { httpCloud } from "../../reconcile/providers/openstack/http/connect.js";

/** Where the lab's OpenStack keeps its clouds.yaml, and the guest files the lab built. */
export const LAB_DIR = process.env["FROST_LAB_DIR"] ?? "/var/tmp/frost-lab";
export const CLOUDS_YAML = join(LAB_DIR, "openstack", "clouds.yaml");
export const LAB_CLOUD = "frost-lab";
export const LAB_COMPUTE_HOST = "frost-lab";
export const GUEST = {
  kernel: join(LAB_DIR, "guest", "vmlinuz"),
  initrd: join(LAB_DIR, "guest", "initrd.img"),
  disk: join(LAB_DIR, "guest", "data.qcow2-template"),
  cmdline: "console=ttyS0 panic=-1",
};
/** The environment frost needs to find the lab cloud. */
export const OS_ENV = { OS_CLIENT_CONFIG_FILE: CLOUDS_YAML };

/** A client of the lab's real OpenStack, through frost's own HTTP driver. */
export function labCloud(): OpenStackCloud {
  return httpCloud({ cloud: LAB_CLOUD, env: { ...process.env, ...OS_ENV } });
}

/** A private copy of the guest's disk (a Glance upload must not be shared with a running domain). */
export async function guestDiskCopy(dir: string, name: string): Promise<string> {
  const path = join(dir, `${name}.qcow2`);
  await copyFile(GUEST.disk, path);
  return path;
}

async function upload(
  cloud: OpenStackCloud,
  name: string,
  disk: string,
  container: string,
  path: string,
  properties: Record<string, string>,
): Promise<GlanceImage> {
  const { size } = await stat(path);
  const image = await cloud.createImage({ name, diskFormat: disk, containerFormat: container, properties });
  await cloud.uploadImage(image.id, path, size);
  const after = await cloud.getImage(image.id);
  if (after?.status !== "active") throw new Error(`image ${name} is ${after?.status ?? "gone"} after upload`);
  return after;
}

/** Uploads a bootable lab guest image (kernel, ramdisk, root) with `properties`, not through frost. */
export async function uploadGuest(
  cloud: OpenStackCloud,
  dir: string,
  name: string,
  properties: Record<string, string>,
): Promise<GlanceImage> {
  const kernel = await upload(cloud, `${name}-kernel`, "aki", "aki", GUEST.kernel, {});
  const ramdisk = await upload(cloud, `${name}-ramdisk`, "ari", "ari", GUEST.initrd, {});
  return upload(cloud, name, "qcow2", "bare", await guestDiskCopy(dir, name), {
    ...properties,
    kernel_id: kernel.id,
    ramdisk_id: ramdisk.id,
    os_command_line: GUEST.cmdline,
  });
}

/** Polls a server until `done` holds (or it is gone, for `undefined`), within `timeoutMs`. */
export async function waitServer(
  cloud: OpenStackCloud,
  id: string,
  done: (s: NovaServer | undefined) => boolean,
  timeoutMs = 180_000,
): Promise<NovaServer | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await cloud.getServer(id);
    if (done(s)) return s;
    if (s?.status === "ERROR") throw new Error(`server ${id} is in ERROR: ${s.fault ?? "no fault"}`);
    if (Date.now() > deadline) throw new Error(`server ${id} did not get there in ${timeoutMs} ms (${s?.status ?? "gone"})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Boots a server with no network from `imageId` on the lab flavor, and waits for ACTIVE. */
export async function bootServer(
  cloud: OpenStackCloud,
  name: string,
  imageId: string,
  metadata: Record<string, string> = {},
): Promise<NovaServer> {
  const flavor = (await cloud.listFlavors()).find((f) => f.name === "frost.tiny");
  if (!flavor) throw new Error("the lab has no flavor frost.tiny: is the OpenStack lab up?");
  const id = await cloud.createServer({ name, imageId, flavorId: flavor.id, networks: "none", metadata });
  return (await waitServer(cloud, id, (s) => s?.status === "ACTIVE" && s.taskState === null)) as NovaServer;
}

/** Deletes the servers and images whose names start with `prefix` (what a test created), and waits for the servers to go. */
export async function cleanUp(cloud: OpenStackCloud, prefix: string): Promise<void> {
  const servers = (await cloud.listServers()).filter((s) => s.name.startsWith(prefix));
  await Promise.all(servers.map((s) => cloud.deleteServer(s.id).catch(() => undefined)));
  await Promise.all(servers.map((s) => waitServer(cloud, s.id, (x) => x === undefined, 120_000).catch(() => undefined)));
  const images = (await cloud.listImages()).filter((g) => g.name.startsWith(prefix));
  await Promise.all(images.map((g) => cloud.deleteImage(g.id).catch(() => undefined)));
}
