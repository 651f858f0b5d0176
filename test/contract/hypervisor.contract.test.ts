import { afterAll, describe, expect, it } from "vitest";
import { fakeWorld, libvirtWorld, type World } from "./worlds.js";

// The same cases against the fake and against real libvirt, so that the fake the unit tests
// rely on cannot drift from what libvirt really does.
for (const make of [fakeWorld, libvirtWorld]) {
  const world: World = make();
  const created: string[] = [];
  const define = async (name: string, kind: "controller" | "bare" | "channel", options: { start: boolean; agent?: boolean }) => {
    created.push(name);
    await world.define(name, kind, options);
  };

  describe(`hypervisor contract: ${world.name}`, () => {
    afterAll(async () => {
      for (const name of created) await world.remove(name);
    });

    it("observes state, controller and channel of the domains asked for, and nothing of unknown names", async () => {
      await define("t-c-obs-run", "controller", { start: true });
      await define("t-c-obs-off", "bare", { start: false });
      const host = await world.hv.observe({ domains: ["t-c-obs-run", "t-c-obs-off", "t-c-nonexistent"], ping: false });
      expect(host.domains["t-c-obs-run"]).toMatchObject({
        state: "running",
        live: { virtioSerialController: true },
        persistent: { virtioSerialController: true },
      });
      expect(host.domains["t-c-obs-run"]?.live?.agentChannel).toBeUndefined();
      expect(host.domains["t-c-obs-off"]).toMatchObject({ state: "shutoff", persistent: { virtioSerialController: false } });
      expect(host.domains["t-c-obs-off"]?.live).toBeUndefined();
      expect(host.domains["t-c-nonexistent"]).toBeUndefined();
      expect(host.names).toContain("t-c-obs-off");
    });

    it("refuses to hot-plug the channel into a running domain without a virtio-serial controller", async () => {
      await define("t-c-bare", "bare", { start: true });
      await expect(world.hv.attachAgentChannel("t-c-bare", { live: true, config: false })).rejects.toThrow(
        /no virtio-serial controllers are available/,
      );
      const host = await world.hv.observe({ domains: ["t-c-bare"], ping: false });
      expect(host.domains["t-c-bare"]?.live?.agentChannel).toBeUndefined();
    });

    it("refuses a live attach to a shut-off domain", async () => {
      await define("t-c-off", "bare", { start: false });
      await expect(world.hv.attachAgentChannel("t-c-off", { live: true, config: false })).rejects.toThrow(/domain is not running/);
    });

    it("adds a virtio-serial controller with a persistent attach, as libvirt does", async () => {
      await define("t-c-off2", "bare", { start: false });
      await world.hv.attachAgentChannel("t-c-off2", { live: false, config: true });
      const host = await world.hv.observe({ domains: ["t-c-off2"], ping: false });
      expect(host.domains["t-c-off2"]?.persistent).toMatchObject({ virtioSerialController: true, agentChannel: {} });
    });

    it("refuses a second channel of the same name", async () => {
      await define("t-c-dup", "bare", { start: false });
      await world.hv.attachAgentChannel("t-c-dup", { live: false, config: true });
      await expect(world.hv.attachAgentChannel("t-c-dup", { live: false, config: true })).rejects.toThrow(/chardev already exists/);
    });

    it("hot-plugs live and persistent, after which the agent answers guest-ping", async () => {
      await define("t-c-hot", "controller", { start: true });
      await world.hv.attachAgentChannel("t-c-hot", { live: true, config: true });
      const host = await world.hv.observe({ domains: ["t-c-hot"], ping: false });
      expect(host.domains["t-c-hot"]?.live?.agentChannel?.alias).toMatch(/^channel\d+$/);
      expect(host.domains["t-c-hot"]?.persistent?.agentChannel).toBeDefined();
      expect(await world.waitForAgent("t-c-hot")).toBe(true);
      expect((await world.hv.pingAgent("t-c-hot", 3000)).status).toBe("ok");
    });

    it("detaches live by alias and from the persistent definition", async () => {
      await define("t-c-det", "channel", { start: true });
      const alias = (await world.hv.observe({ domains: ["t-c-det"], ping: false })).domains["t-c-det"]?.live?.agentChannel?.alias;
      expect(alias).toBeDefined();
      await world.hv.detachAgentChannel("t-c-det", { live: true, config: true }, alias);
      const host = await world.hv.observe({ domains: ["t-c-det"], ping: false });
      expect(host.domains["t-c-det"]?.live?.agentChannel).toBeUndefined();
      expect(host.domains["t-c-det"]?.persistent?.agentChannel).toBeUndefined();
      await expect(world.hv.detachAgentChannel("t-c-det", { live: false, config: true })).rejects.toThrow(/device not present/);
    });

    it("tells apart no channel and no agent behind the channel", async () => {
      await define("t-c-nochan", "controller", { start: true });
      await define("t-c-noagent", "channel", { start: true, agent: false });
      expect((await world.hv.pingAgent("t-c-nochan", 3000)).status).toBe("no-channel");
      expect((await world.hv.pingAgent("t-c-noagent", 3000)).status).toBe("not-connected");
      const host = await world.hv.observe({ domains: ["t-c-noagent"], ping: true });
      expect(host.domains["t-c-noagent"]?.agent.status).toBe("not-connected");
    });
  });
}
