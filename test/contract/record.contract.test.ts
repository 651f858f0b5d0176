import { afterAll, describe, expect, it } from "vitest";
import { fakeWorld, libvirtWorld, type World } from "./worlds.js";

// frost's record in a domain's <metadata>, and the memory and vcpus read beside it: the same cases
// against the fake and real libvirt.
for (const make of [fakeWorld, libvirtWorld]) {
  const world: World = make();
  const created: string[] = [];

  describe(`record contract: ${world.name}`, () => {
    afterAll(async () => {
      for (const name of created) await world.remove(name);
    });

    it("observes no record on a domain frost never wrote one to, and the definition's memory and vcpus", async () => {
      created.push("t-c-rec-none");
      await world.define("t-c-rec-none", "bare", { start: false });
      const d = await world.hv.observeDefinitions(["t-c-rec-none", "t-c-nonexistent"]);
      expect(Object.keys(d)).toEqual(["t-c-rec-none"]);
      expect(d["t-c-rec-none"]).toMatchObject({ memory: 512 * 1024 ** 2, vcpus: 1 });
      expect(d["t-c-rec-none"]?.record).toBeUndefined();
      expect(d["t-c-rec-none"]?.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it("writes the record to the persistent definition, replaces it on a second write, and reads it back", async () => {
      created.push("t-c-rec");
      await world.define("t-c-rec", "bare", { start: false });
      await world.hv.writeRecord(
        "t-c-rec",
        { agent: true, createdBy: "frost", image: "img", digest: "sha256:ab", memory: 536870912, vcpus: 1 },
        { live: false, config: true },
      );
      await world.hv.writeRecord("t-c-rec", { agent: false }, { live: false, config: true });
      const d = await world.hv.observeDefinitions(["t-c-rec"]);
      expect(d["t-c-rec"]?.record).toEqual({ agent: false });
    });

    it("refuses a live write to a shut-off domain", async () => {
      created.push("t-c-rec-off");
      await world.define("t-c-rec-off", "bare", { start: false });
      await expect(world.hv.writeRecord("t-c-rec-off", { agent: true }, { live: true, config: true })).rejects.toThrow(
        /domain is not running/,
      );
    });
  });
}
