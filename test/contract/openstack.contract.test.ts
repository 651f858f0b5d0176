import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenStackError, type NovaServer } from "../../reconcile/providers/openstack/cloud.js";
import { fakeCloudWorld, PREFIX, realCloudWorld, type CloudWorld } from "./openstack-worlds.js";

// The same cases against the fake cloud and the lab's real Keystone + Glance + Nova, through
// frost's own HTTP driver: what the fake does is what OpenStack does, as far as frost relies on it.
for (const make of [fakeCloudWorld, realCloudWorld]) {
  describe(`OpenStack contract (${make === fakeCloudWorld ? "fake" : "real"})`, () => {
    let w: CloudWorld;
    beforeAll(async () => {
      w = await make();
    });
    afterAll(async () => {
      await w?.cleanUp();
    });

    async function statusOf(p: Promise<unknown>): Promise<number | "ok"> {
      try {
        await p;
        return "ok";
      } catch (e) {
        if (!(e instanceof OpenStackError)) throw e;
        return e.status;
      }
    }

    it("creates an image, streams a file into it, and reads it back with string properties", async () => {
      const image = await w.cloud.createImage({
        name: `${PREFIX}blob`,
        diskFormat: "raw",
        containerFormat: "bare",
        properties: { frost_test: "1", hw_qemu_guest_agent: "yes" },
      });
      expect(image.status).toBe("queued");
      await w.cloud.uploadImage(image.id, w.file.path, w.file.bytes);
      const read = await w.cloud.getImage(image.id);
      expect(read).toMatchObject({
        status: "active",
        size: w.file.bytes,
        diskFormat: "raw",
        properties: { frost_test: "1", hw_qemu_guest_agent: "yes" },
      });
      expect((await w.cloud.listImages()).map((g) => g.id)).toContain(image.id);
    });

    it("patches properties as JSON-patch: add sets and replaces, a missing key cannot be replaced or removed, reserved keys are refused", async () => {
      const image = await w.cloud.createImage({
        name: `${PREFIX}props`,
        diskFormat: "raw",
        containerFormat: "bare",
        properties: { a: "1" },
      });
      const after = await w.cloud.patchImage(image.id, [
        { op: "add", path: "/a", value: "2" },
        { op: "add", path: "/os_require_quiesce", value: "yes" },
      ]);
      expect(after.properties).toMatchObject({ a: "2", os_require_quiesce: "yes" });
      expect(await statusOf(w.cloud.patchImage(image.id, [{ op: "replace", path: "/missing", value: "x" }]))).toBe(409);
      expect(await statusOf(w.cloud.patchImage(image.id, [{ op: "remove", path: "/missing" }]))).toBe(409);
      expect(await statusOf(w.cloud.patchImage(image.id, [{ op: "add", path: "/os_glance_x", value: "x" }]))).toBe(403);
      const removed = await w.cloud.patchImage(image.id, [{ op: "remove", path: "/a" }]);
      expect(removed.properties["a"]).toBeUndefined();
    });

    it("reads an unknown image as undefined, and a second delete is a 404", async () => {
      expect(await w.cloud.getImage("6a1c9f0e-0000-4000-8000-000000000000")).toBeUndefined();
      const image = await w.cloud.createImage({ name: `${PREFIX}gone`, diskFormat: "raw", containerFormat: "bare", properties: {} });
      await w.cloud.deleteImage(image.id);
      expect(await w.cloud.getImage(image.id)).toBeUndefined();
      expect(await statusOf(w.cloud.deleteImage(image.id))).toBe(404);
    });

    describe("servers and createImage", () => {
      let agentServer: NovaServer;
      beforeAll(async () => {
        const image = await w.bootable(`${PREFIX}agent-img`, {
          hw_qemu_guest_agent: "yes",
          os_require_quiesce: "yes",
          frost_image: "contract-guest",
        });
        agentServer = await w.boot(`${PREFIX}agent`, image.id);
      });

      it("boots a server from an image with hw_qemu_guest_agent: its domain has the channel and the agent answers", async () => {
        expect(agentServer.instanceName).toMatch(/^instance-[0-9a-f]{8}$/);
        expect(agentServer.computeHost).toBeDefined();
        const guests = await w.compute.guests([agentServer.instanceName as string], { ping: false });
        // The running domain has the channel (connected or not yet: the agent may still be starting).
        expect(["connected", "disconnected"]).toContain(guests[agentServer.instanceName as string]?.liveChannel);
        const deadline = Date.now() + 90_000;
        let probe = await w.compute.pingAgent(agentServer.instanceName as string, 5_000);
        while (probe.status !== "ok" && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1000));
          probe = await w.compute.pingAgent(agentServer.instanceName as string, 5_000);
        }
        expect(probe.status).toBe("ok");
      });

      it("createImage gives an active image with the metadata frost sent and the agent properties inherited, and os-instance-actions lists it", async () => {
        const answer = await w.cloud.createSnapshot(agentServer.id, `${PREFIX}snap`, { frost_snapshot: "v1", frost_instance: "agent" });
        expect(answer.requestId).toMatch(/^req-/);
        const deadline = Date.now() + 120_000;
        let image = await w.cloud.getImage(answer.imageId);
        while (image?.status !== "active" && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1000));
          image = await w.cloud.getImage(answer.imageId);
        }
        expect(image?.status).toBe("active");
        expect(image?.properties).toMatchObject({
          frost_snapshot: "v1",
          frost_instance: "agent",
          hw_qemu_guest_agent: "yes",
          os_require_quiesce: "yes",
          instance_uuid: agentServer.id,
          // Every property of the image the server booted from comes along, frost's marks too.
          frost_image: "contract-guest",
          image_type: "snapshot",
        });
        const actions = await w.cloud.listInstanceActions(agentServer.id);
        expect(actions.find((a) => a.requestId === answer.requestId)?.action).toBe("createImage");
      });

      it("a server whose domain was removed outside Nova: still ACTIVE, no domain on its compute host, and createImage makes no image", async () => {
        const image = await w.bootable(`${PREFIX}lost-img`, { hw_qemu_guest_agent: "yes" });
        const server = await w.boot(`${PREFIX}lost`, image.id);
        const domain = server.instanceName as string;
        await w.removeDomain(server);
        expect((await w.cloud.getServer(server.id))?.status).toBe("ACTIVE");
        expect((await w.compute.guests([domain], { ping: false }))[domain]).toBeUndefined();
        const answer = await w.cloud.createSnapshot(server.id, `${PREFIX}lost-snap`, {});
        const deadline = Date.now() + 120_000;
        let after = await w.cloud.getServer(server.id);
        let image2 = await w.cloud.getImage(answer.imageId);
        while ((image2 !== undefined || after?.taskState !== "image_snapshot") && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1000));
          image2 = await w.cloud.getImage(answer.imageId);
          after = await w.cloud.getServer(server.id);
        }
        // No image, no error anywhere: the action says it went well, and the server is left in a task state.
        expect(image2).toBeUndefined();
        expect(after).toMatchObject({ status: "ACTIVE", taskState: "image_snapshot" });
        const action = await w.cloud.getInstanceAction(server.id, answer.requestId as string);
        expect(action.message ?? null).toBeNull();
        expect(action.events.map((e) => e.result)).toEqual(["Success"]);
      });

      it("os_require_quiesce without hw_qemu_guest_agent: 202 and an image id, then no image, and the action says Error", async () => {
        const image = await w.bootable(`${PREFIX}noagent-img`, { os_require_quiesce: "yes" });
        const server = await w.boot(`${PREFIX}noagent`, image.id);
        const answer = await w.cloud.createSnapshot(server.id, `${PREFIX}silent`, {});
        expect(answer.imageId).toMatch(/^[0-9a-f-]{36}$/);
        const deadline = Date.now() + 120_000;
        let gone = false;
        while (!gone && Date.now() < deadline) {
          const g = await w.cloud.getImage(answer.imageId);
          gone = g === undefined || g.status === "deleted" || g.status === "killed";
          if (!gone) await new Promise((r) => setTimeout(r, 1000));
        }
        expect(gone).toBe(true);
        let action = await w.cloud.getInstanceAction(server.id, answer.requestId as string);
        while (action.message !== "Error" && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1000));
          action = await w.cloud.getInstanceAction(server.id, answer.requestId as string);
        }
        expect(action).toMatchObject({ action: "createImage", message: "Error" });
        expect((await w.cloud.getServer(server.id))?.status).toBe("ACTIVE");
      });
    });
  });
}
