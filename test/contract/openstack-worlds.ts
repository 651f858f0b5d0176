import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { libvirtProvider } from "../../reconcile/providers/libvirt/provider.js";
import { testEnv } from "../support/env.js";
import type { GlanceImage, NovaServer, OpenStackCloud } from "../../reconcile/providers/openstack/cloud.js";
import type { ComputeAccess } from "../../reconcile/compute.js";
import { FakeCloud } from "../support/fake-openstack/fake-cloud.js";
import { URI, virsh } from "../support/lab.js";
import { bootServer, cleanUp, labCloud, uploadGuest } from "../support/openstack.js";

/** One cloud, the libvirt of its compute host, and the means to set up images and servers on it. */
export interface CloudWorld {
  name: string;
  cloud: OpenStackCloud;
  compute: ComputeAccess;
  /** A file to upload, and its size. */
  file: { path: string; bytes: number };
  /** An image a server can boot from, with `properties`. */
  bootable(name: string, properties: Record<string, string>): Promise<GlanceImage>;
  boot(name: string, imageId: string): Promise<NovaServer>;
  /** Removes a server's domain from its compute host behind Nova's back (what `virsh destroy` + `undefine` do). */
  removeDomain(server: NovaServer): Promise<void>;
  cleanUp(): Promise<void>;
}

/** Names of everything the contract cases create: cleaned up by prefix. */
export const PREFIX = "t-contract-";

async function scratch(): Promise<{ dir: string; file: { path: string; bytes: number } }> {
  const dir = await mkdtemp(join(tmpdir(), "frost-os-contract-"));
  const path = join(dir, "blob.raw");
  await writeFile(path, Buffer.alloc(3 << 20, 0x5a));
  return { dir, file: { path, bytes: 3 << 20 } };
}

export async function fakeCloudWorld(): Promise<CloudWorld> {
  const cloud = new FakeCloud();
  const { file } = await scratch();
  return {
    name: "fake",
    cloud,
    compute: cloud.compute(),
    file,
    async bootable(name, properties) {
      const image = await cloud.createImage({ name, diskFormat: "qcow2", containerFormat: "bare", properties });
      await cloud.uploadImage(image.id, file.path, file.bytes);
      return (await cloud.getImage(image.id)) as GlanceImage;
    },
    async boot(name, imageId) {
      const id = await cloud.createServer({ name, imageId, flavorId: "f1", networks: "none", metadata: {} });
      return (await cloud.getServer(id)) as NovaServer;
    },
    async removeDomain(server) {
      cloud.removeDomain(server.name);
    },
    async cleanUp() {},
  };
}

export async function realCloudWorld(): Promise<CloudWorld> {
  const cloud = labCloud();
  const { dir, file } = await scratch();
  await cleanUp(cloud, PREFIX);
  return {
    name: "real",
    cloud,
    compute: libvirtProvider.computeAccess(URI, testEnv()),
    file,
    bootable: (name, properties) => uploadGuest(cloud, dir, name, properties),
    boot: (name, imageId) => bootServer(cloud, name, imageId),
    async removeDomain(server) {
      for (const args of [
        ["destroy", server.instanceName as string],
        ["undefine", server.instanceName as string],
      ]) {
        const r = await virsh(...args);
        if (r.code !== 0) throw new Error(`virsh ${args.join(" ")} failed: ${r.stderr}`);
      }
    },
    cleanUp: () => cleanUp(cloud, PREFIX),
  };
}
