import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeHypervisor } from "../support/fake-libvirt/fake-hypervisor.js";
import type { DomainSpec } from "../../reconcile/providers/libvirt/hypervisor.js";
import { creatingMarker } from "../../reconcile/providers/libvirt/create-marker.js";
import { uploadMarker } from "../../reconcile/providers/libvirt/upload-marker.js";
import { virsh } from "../support/lab.js";
import { fakeWorld, libvirtWorld, type World } from "./worlds.js";

const GUEST = join(process.env["FROST_LAB_DIR"] ?? "/var/tmp/frost-lab", "guest");
const POOL = "t-c-pool";
const POOL_PATH = "/var/tmp/frost-t-c-pool";
const DOMAIN = "t-c-life";
const UUID = "6f1d3c52-0b7e-8a8e-9d55-3c0e8f1e2a10";

/** Removes the test pool, its volumes and the domain through plain virsh (libvirt world only). */
async function cleanUp(): Promise<void> {
  await virsh("destroy", DOMAIN);
  await virsh("undefine", DOMAIN, "--snapshots-metadata");
  const list = await virsh("vol-list", "--pool", POOL);
  for (const line of list.stdout.split("\n").slice(2)) {
    const name = line.trim().split(/\s+/)[0];
    if (name) await virsh("vol-delete", "--pool", POOL, name);
  }
  await virsh("pool-destroy", POOL);
  await virsh("pool-delete", POOL);
  await virsh("pool-undefine", POOL);
}

// Pools, volumes and the lifecycle of a domain frost creates: the same cases against the fake and
// real libvirt, in order (each builds on the one before).
for (const make of [fakeWorld, libvirtWorld]) {
  const world: World = make();
  const hv = world.hv;
  const real = world.name === "libvirt";
  let dir: string;
  let source: string;

  describe.sequential(`lifecycle contract: ${world.name}`, () => {
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "frost-life-"));
      source = join(dir, "image.raw");
      await writeFile(source, Buffer.alloc(1024 * 1024, 7));
      if (real) await cleanUp();
    });
    afterAll(async () => {
      if (real) await cleanUp();
      await rm(dir, { recursive: true, force: true });
    });

    it("observes no pool where there is none, and a directory pool once created", async () => {
      expect(await hv.observePool(POOL)).toBeUndefined();
      await hv.createPool(POOL, POOL_PATH);
      expect(await hv.observePool(POOL)).toEqual({ name: POOL, active: true, path: POOL_PATH, volumes: [] });
    });

    it("uploads a volume, and refuses a second of the same name", async () => {
      await hv.uploadVolume(POOL, "img-1.raw", source, 1024 * 1024);
      expect((await hv.observePool(POOL))?.volumes).toEqual(["img-1.raw"]);
      await expect(hv.uploadVolume(POOL, "img-1.raw", source, 1024 * 1024)).rejects.toThrow(/storage volume 'img-1.raw' exists already/);
    });

    it("does not count an upload that was interrupted midway, and replaces it on the next upload", async () => {
      // What a frost killed mid-upload leaves: the volume, partly written, and its marker.
      const partial = "img-2.raw";
      if (real) {
        for (const [name, size] of [
          [uploadMarker(partial), "0"],
          [partial, "1048576"],
        ] as const) {
          expect((await virsh("vol-create-as", "--pool", POOL, "--name", name, "--capacity", size, "--format", "raw")).code).toBe(0);
        }
      } else {
        const fake = hv as FakeHypervisor;
        fake.storage.addVolume(POOL, uploadMarker(partial), { bytes: 0 }, "vol-create-as");
        fake.storage.addVolume(POOL, partial, { bytes: 1024 }, "vol-create-as");
      }
      expect((await hv.observePool(POOL))?.volumes).toEqual(["img-1.raw"]);
      await hv.uploadVolume(POOL, partial, source, 1024 * 1024);
      expect((await hv.observePool(POOL))?.volumes).toEqual(["img-1.raw", partial]);
      if (real) expect((await virsh("vol-list", "--pool", POOL)).stdout).not.toContain(uploadMarker(partial));
      await hv.deleteVolume(POOL, partial);
    });

    it("creates an overlay on an existing volume only", async () => {
      await expect(hv.createOverlay(POOL, "o.qcow2", { volume: "nosuch.raw", format: "raw" }, 1024 * 1024)).rejects.toThrow(
        /no storage vol with matching path 'nosuch.raw'/,
      );
      await hv.createOverlay(POOL, "disk.qcow2", { volume: "img-1.raw", format: "raw" }, 1024 * 1024);
      expect((await hv.observePool(POOL))?.volumes.sort()).toEqual(["disk.qcow2", "img-1.raw"]);
    });

    it("defines a domain with frost's UUID and record, a controller and the channel; refuses a second of the name", async () => {
      const spec: DomainSpec = {
        name: DOMAIN,
        uuid: UUID,
        type: "qemu",
        memory: 256 * 1024 ** 2,
        vcpus: 1,
        disk: { pool: POOL, volume: "disk.qcow2" },
        agentChannel: true,
        boot: { kernel: join(GUEST, "vmlinuz"), initrd: join(GUEST, "initrd.img"), cmdline: "console=ttyS0 quiet panic=-1" },
        record: {
          agent: true,
          createdBy: "frost",
          image: "img",
          digest: "sha256:00",
          memory: 256 * 1024 ** 2,
          vcpus: 1,
          disk: "disk.qcow2",
          uuid: UUID,
          name: DOMAIN,
        },
      };
      await hv.defineDomain(spec);
      await expect(hv.defineDomain(spec)).rejects.toThrow(/already exists/);
      const d = (await hv.observe({ domains: [DOMAIN], ping: false })).domains[DOMAIN];
      expect(d).toMatchObject({ state: "shutoff", persistent: { virtioSerialController: true, agentChannel: {} } });
      // Its UUID, and its disk as the persistent definition names it: the image on top only.
      expect((await hv.observeDefinitions([DOMAIN]))[DOMAIN]).toEqual({
        memory: 256 * 1024 ** 2,
        vcpus: 1,
        record: spec.record,
        uuid: UUID,
        disks: [{ target: "vda", layers: [{ file: `${POOL_PATH}/disk.qcow2` }] }],
      });
    });

    it("sets memory and vcpus in the persistent definition", async () => {
      await hv.setResources(DOMAIN, { memory: 384 * 1024 ** 2, vcpus: 2 });
      expect((await hv.observeDefinitions([DOMAIN]))[DOMAIN]).toMatchObject({ memory: 384 * 1024 ** 2, vcpus: 2 });
    });

    it("observes a running domain's disk with its backing chain, and refuses to delete a volume a domain uses", async () => {
      await hv.startDomain(DOMAIN);
      const chain = [{ target: "vda", layers: [{ file: `${POOL_PATH}/disk.qcow2` }, { file: `${POOL_PATH}/img-1.raw` }] }];
      expect((await hv.observeDefinitions([DOMAIN], { live: [DOMAIN] }))[DOMAIN]?.liveDisks).toEqual(chain);
      expect((await hv.observe({ domains: [DOMAIN], ping: false })).domains[DOMAIN]?.live?.disks).toEqual(chain);
      const refusal = (volume: string) =>
        `refusing to delete volume ${volume} in pool ${POOL}: domain ${DOMAIN} (its disk vda) uses it; frost never deletes a disk in use`;
      await expect(hv.deleteVolume(POOL, "disk.qcow2")).rejects.toThrow(refusal("disk.qcow2"));
      await expect(hv.deleteVolume(POOL, "img-1.raw")).rejects.toThrow(refusal("img-1.raw"));
      await hv.stopDomain(DOMAIN, 0);
      await expect(hv.deleteVolume(POOL, "disk.qcow2")).rejects.toThrow(refusal("disk.qcow2"));
      expect((await hv.observePool(POOL))?.volumes.sort()).toEqual(["disk.qcow2", "img-1.raw"]);
    });

    it("marks a create in progress with an empty volume and removes the mark, each once however often asked", async () => {
      await hv.markCreating(POOL, "new.qcow2");
      await hv.markCreating(POOL, "new.qcow2");
      expect((await hv.observePool(POOL))?.volumes).toContain(creatingMarker("new.qcow2"));
      await hv.unmarkCreating(POOL, "new.qcow2");
      await hv.unmarkCreating(POOL, "new.qcow2");
      expect((await hv.observePool(POOL))?.volumes).not.toContain(creatingMarker("new.qcow2"));
    });

    it("starts, stops hard, undefines (disks stay), and deletes volumes", async () => {
      await hv.startDomain(DOMAIN);
      expect((await hv.observe({ domains: [DOMAIN], ping: false })).domains[DOMAIN]?.state).toBe("running");
      await expect(hv.startDomain(DOMAIN)).rejects.toThrow(/Domain is already active/);
      await hv.stopDomain(DOMAIN, 0);
      expect((await hv.observe({ domains: [DOMAIN], ping: false })).domains[DOMAIN]?.state).toBe("shutoff");
      await hv.undefineDomain(DOMAIN);
      expect((await hv.observe({ domains: [DOMAIN], ping: false })).domains[DOMAIN]).toBeUndefined();
      expect((await hv.observePool(POOL))?.volumes).toContain("disk.qcow2");
      await hv.deleteVolume(POOL, "disk.qcow2");
      await hv.deleteVolume(POOL, "img-1.raw");
      await expect(hv.deleteVolume(POOL, "img-1.raw")).rejects.toThrow(/no storage vol with matching path 'img-1.raw'/);
      expect((await hv.observePool(POOL))?.volumes).toEqual([]);
    });
  });
}
