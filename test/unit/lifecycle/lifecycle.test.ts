import { describe, expect, it } from "vitest";
import { FakeHypervisor } from "../../support/fake-libvirt/fake-hypervisor.js";
import { destructiveRefusal } from "../../../reconcile/plan/destructive.js";
import { applyOn, desiredWith, imageFile, lines, planOn } from "./world.js";

const MiB = 1024 ** 2;

describe("images and instances from images (fake hypervisor)", () => {
  // A fresh host: the pool (host.poolPath given), the image and the instance are planned in that
  // order; applying creates them; planning again gives nothing; applying twice changes nothing.
  it("creates pool, image volume and instance, then converges", async () => {
    const img = await imageFile("a.qcow2", "image one");
    const desired = desiredWith(img.path, { web: { memory: 256 * MiB, vcpus: 2 } });
    const hv = new FakeHypervisor();
    const p = await planOn(desired, hv, { tiny: img.observation });
    expect(lines(p)).toEqual(["create pool.default", "create image.tiny", "create instance.web"]);
    expect(p.changes[1]?.reason).toMatch(/^\(sha256:[0-9a-f]{4}…, 9 B\)$/);
    const r = await applyOn(p, hv);
    expect(r.failed).toBe(0);
    const digest12 = (img.observation.status === "read" ? img.observation.facts.digest : "").slice(7, 19);
    expect(hv.storage.observe("default")?.volumes).toEqual([`tiny-${digest12}.qcow2`, `web-${digest12}.qcow2`]);
    const web = hv.domain("web");
    expect(web).toMatchObject({
      state: "running",
      memory: 256 * MiB,
      vcpus: 2,
      persistent: { virtioSerialController: true, agentChannel: {} },
    });
    expect(web?.record).toMatchObject({ createdBy: "frost", image: "tiny", agent: true, memory: 256 * MiB, vcpus: 2 });
    const again = await planOn(desired, hv, { tiny: img.observation });
    expect([again.changes, again.drift, again.diagnostics]).toEqual([[], [], []]);
  });

  it("a missing pool without host.poolPath is a plan error that says so", async () => {
    const img = await imageFile("b.qcow2", "x");
    const desired = desiredWith(img.path, { web: {} });
    delete desired.hosts["default"]?.poolPath;
    const p = await planOn(desired, new FakeHypervisor(), { tiny: img.observation });
    expect(p.errored).toBe(true);
    expect(p.diagnostics[0]).toMatchObject({ code: "plan.pool-missing" });
    expect(p.diagnostics[0]?.detail).toContain("host.poolPath");
  });

  it("a source whose real format is not the declared one is an error at the image", async () => {
    const img = await imageFile("c.raw", "raw bytes", "raw");
    const p = await planOn(desiredWith(img.path, {}), new FakeHypervisor(), { tiny: img.observation });
    expect(p.diagnostics.map((d) => d.code)).toEqual(["plan.image-format"]);
    expect(p.diagnostics[0]?.summary).toContain("declared format: qcow2, but");
  });

  // A define that fails after the disk was made leaves the disk and the create's marker; the re-run
  // removes that disk (a change of its own, before the create), creates the instance, and nothing is leaked.
  it("a create that fails halfway, then a re-run, converges with no leaked volume or domain", async () => {
    const img = await imageFile("d.qcow2", "image d");
    const desired = desiredWith(img.path, { web: {} });
    const hv = new FakeHypervisor();
    hv.failNext("define", "internal error: injected define failure");
    const first = await applyOn(await planOn(desired, hv, { tiny: img.observation }), hv);
    expect(first.failed).toBe(1);
    expect(hv.domain("web")).toBeUndefined();
    const p = await planOn(desired, hv, { tiny: img.observation });
    expect(p.changes.map((c) => c.steps.map((s) => s.kind))).toEqual([
      ["delete-volume", "unmark-creating"],
      ["mark-creating", "create-overlay", "define-domain", "unmark-creating", "start-domain"],
    ]);
    expect((await applyOn(p, hv)).failed).toBe(0);
    expect(hv.storage.observe("default")?.volumes).toHaveLength(2);
    expect((await planOn(desired, hv, { tiny: img.observation })).changes).toEqual([]);
  });

  it("a failed upload skips the instances that need the image, and leaves no volume", async () => {
    const img = await imageFile("e.qcow2", "image e");
    const desired = desiredWith(img.path, { web: {} });
    const hv = new FakeHypervisor();
    hv.storage.createPool("default", "/p");
    hv.failNext("upload", "Failed to upload: injected");
    const r = await applyOn(await planOn(desired, hv, { tiny: img.observation }), hv);
    expect(r.outcomes.map((o) => o.outcome.status)).toEqual(["failed", "skipped"]);
    expect(hv.storage.observe("default")?.volumes).toEqual([]);
  });

  it("memory and vcpus change the persistent definition and say a restart is needed; drift shows a change made outside", async () => {
    const img = await imageFile("f.qcow2", "image f");
    const hv = new FakeHypervisor();
    await applyOn(await planOn(desiredWith(img.path, { web: {} }), hv, { tiny: img.observation }), hv);
    const p = await planOn(desiredWith(img.path, { web: { memory: 1024 * MiB, vcpus: 2 } }), hv, { tiny: img.observation });
    expect(p.changes.map((c) => c.reason)).toEqual(["change memory 512 MiB -> 1 GiB, vcpus 1 -> 2 (persistent definition)"]);
    expect(p.changes[0]?.notes[0]).toMatch(/^restart needed/);
    await applyOn(p, hv);
    expect(hv.domain("web")).toMatchObject({ memory: 1024 * MiB, vcpus: 2, record: { memory: 1024 * MiB, vcpus: 2 } });
    await hv.setResources("web", { memory: 2048 * MiB }); // like virsh setmaxmem --config
    const drifted = await planOn(desiredWith(img.path, { web: { memory: 1024 * MiB, vcpus: 2 } }), hv, { tiny: img.observation });
    expect(drifted.drift.map((d) => d.reason)).toEqual(["memory was changed from 1 GiB to 2 GiB"]);
    expect(drifted.changes.map((c) => c.reason)).toEqual(["change memory 2 GiB -> 1 GiB (persistent definition)"]);
  });

  it("state: stopped stops a running instance, and running starts it again", async () => {
    const img = await imageFile("g.qcow2", "image g");
    const hv = new FakeHypervisor();
    await applyOn(await planOn(desiredWith(img.path, { web: {} }), hv, { tiny: img.observation }), hv);
    const stop = await planOn(desiredWith(img.path, { web: { state: "stopped" } }), hv, { tiny: img.observation });
    expect(stop.changes.map((c) => c.steps[0]?.kind)).toEqual(["stop-domain"]);
    await applyOn(stop, hv);
    expect(hv.domain("web")?.state).toBe("shutoff");
    const start = await planOn(desiredWith(img.path, { web: { state: "running" } }), hv, { tiny: img.observation });
    expect(start.changes.map((c) => c.reason)).toEqual(["start the domain"]);
  });

  it("a domain stopped outside frost is drift, apart from the start that brings it back", async () => {
    const img = await imageFile("g2.qcow2", "image g2");
    const hv = new FakeHypervisor();
    const desired = desiredWith(img.path, { web: { state: "running" } });
    await applyOn(await planOn(desired, hv, { tiny: img.observation }), hv);
    await hv.stopDomain("web"); // like virsh destroy
    const p = await planOn(desired, hv, { tiny: img.observation });
    expect(p.drift.map((d) => [d.reason, d.before, d.after])).toEqual([
      ["the domain was stopped", { state: "running" }, { state: "stopped" }],
    ]);
    expect(p.changes.map((c) => c.reason)).toEqual(["start the domain"]);
    await applyOn(p, hv);
    const after = await planOn(desired, hv, { tiny: img.observation });
    expect([after.changes, after.drift]).toEqual([[], []]);
  });

  it("an image change is one replace (-/+), refused without --allow-replace, never for a protected instance", async () => {
    const one = await imageFile("h1.qcow2", "image h one");
    const two = await imageFile("h2.qcow2", "image h two");
    const hv = new FakeHypervisor();
    await applyOn(await planOn(desiredWith(one.path, { web: {} }), hv, { tiny: one.observation }), hv);
    const p = await planOn(desiredWith(two.path, { web: {} }), hv, { tiny: two.observation });
    expect(lines(p)).toEqual(["create image.tiny", "replace instance.web"]);
    expect(destructiveRefusal(p, { destroy: false, replace: false })).toContain("--allow-replace");
    expect(destructiveRefusal(p, { destroy: false, replace: true })).toBeUndefined();
    expect((await applyOn(p, hv)).failed).toBe(0);
    const digest = (o: typeof one) => (o.observation.status === "read" ? o.observation.facts.digest : "");
    expect(hv.domain("web")?.record?.digest).toBe(digest(two));
    // The old image stays (never written, never deleted); the old disk is gone.
    expect(hv.storage.observe("default")?.volumes.filter((v) => v.startsWith("web-"))).toEqual([`web-${digest(two).slice(7, 19)}.qcow2`]);

    const protectedHv = new FakeHypervisor();
    await applyOn(await planOn(desiredWith(one.path, { db: { protect: true } }), protectedHv, { tiny: one.observation }), protectedHv);
    const refused = await planOn(desiredWith(two.path, { db: { protect: true } }), protectedHv, { tiny: two.observation });
    expect(refused.errored).toBe(true);
    expect(refused.diagnostics.map((d) => d.code)).toEqual(["plan.protected"]);
  });

  it("removing a frost-created instance plans -, needing --allow-destroy; only its own disk goes; adopted ones are released", async () => {
    const img = await imageFile("i.qcow2", "image i");
    const hv = new FakeHypervisor().withDomain({ name: "legacy", state: "shutoff", persistent: { virtioSerialController: false } });
    await applyOn(await planOn(desiredWith(img.path, { web: {}, keep: { protect: true } }), hv, { tiny: img.observation }), hv);
    const p = await planOn(desiredWith(img.path, {}), hv, { tiny: img.observation });
    expect(lines(p)).toEqual(["delete instance.web"]);
    expect(p.diagnostics.map((d) => d.code)).toEqual(["plan.protected-undeclared"]);
    expect(destructiveRefusal(p, { destroy: false, replace: false })).toContain("--allow-destroy");
    await applyOn(p, hv);
    expect(hv.domain("web")).toBeUndefined();
    expect(hv.domain("keep")).toBeDefined();
    expect(hv.domain("legacy")).toBeDefined();
    expect(hv.storage.observe("default")?.volumes.some((v) => v.startsWith("web-"))).toBe(false);
    expect(hv.storage.observe("default")?.volumes.some((v) => v.startsWith("tiny-"))).toBe(true);
  });

  it("deletes the snapshots frost took of an instance before destroying it, newest first, and leaves others alone", async () => {
    const img = await imageFile("s.qcow2", "image s");
    const hv = new FakeHypervisor();
    await applyOn(await planOn(desiredWith(img.path, { web: {} }), hv, { tiny: img.observation }), hv);
    const meta = {
      takenAt: "2026-11-25T02:00:00Z",
      consistency: "filesystem" as const,
      quiesce: "required" as const,
      frozenFilesystems: 2,
      frostVersion: "0.1.0",
    };
    hv.withSnapshot("web", { name: "ondemand-20261125T020001Z", meta })
      .withSnapshot("web", { name: "ondemand-20261125T020002Z", meta })
      .withSnapshot("web", { name: "by-hand", description: "taken by hand" });
    const p = await planOn(desiredWith(img.path, {}), hv, { tiny: img.observation });
    const steps = p.changes.find((c) => c.address === "instance.web")?.steps ?? [];
    expect(steps.slice(0, 2)).toEqual([
      { kind: "delete-snapshot", domain: "web", name: "ondemand-20261125T020002Z" },
      { kind: "delete-snapshot", domain: "web", name: "ondemand-20261125T020001Z" },
    ]);
    expect(p.changes.find((c) => c.address === "instance.web")?.notes).toContain(
      "the overlay files of its 1 snapshot(s) not taken by frost are left in place (frost removes only what it created)",
    );
  });

  it("destroys only what frost created under this configuration's host.owner", async () => {
    const img = await imageFile("k.qcow2", "image k");
    const hv = new FakeHypervisor();
    await applyOn(await planOn(desiredWith(img.path, { theirs: {} }, { owner: "team-a" }), hv, { tiny: img.observation }), hv);
    expect(hv.domain("theirs")?.record?.owner).toBe("team-a");
    expect(lines(await planOn(desiredWith(img.path, {}), hv, { tiny: img.observation }))).toEqual([]);
    expect(lines(await planOn(desiredWith(img.path, {}, { owner: "team-b" }), hv, { tiny: img.observation }))).toEqual([]);
    expect(lines(await planOn(desiredWith(img.path, {}, { owner: "team-a" }), hv, { tiny: img.observation }))).toEqual([
      "delete instance.theirs",
    ]);
  });

  it("a domain of an image instance's name that frost did not create is an error, never taken over", async () => {
    const img = await imageFile("j.qcow2", "image j");
    const hv = new FakeHypervisor().withDomain({ name: "web", state: "shutoff", persistent: { virtioSerialController: false } });
    const p = await planOn(desiredWith(img.path, { web: {} }), hv, { tiny: img.observation });
    expect(p.diagnostics.map((d) => d.code)).toContain("plan.instance-not-created-by-frost");
  });
});
