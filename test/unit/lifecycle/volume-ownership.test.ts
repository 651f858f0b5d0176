import { describe, expect, it } from "vitest";
import { FakeHypervisor } from "../../support/fake-libvirt/fake-hypervisor.js";
import { creatingMarker } from "../../../reconcile/providers/libvirt/create-marker.js";
import type { ImageObservation } from "../../../reconcile/images/image-facts.js";
import { applyOn, desiredWith, imageFile, lines, planOn } from "./world.js";

/** The 12 hex of an image's digest that frost's volume names carry. */
function hex12(observation: ImageObservation): string {
  return observation.status === "read" ? observation.facts.digest.slice(7, 19) : "";
}

/** A fake host where frost created instance `web` (shut off) from image `tiny`; returns the host and the disk's name. */
async function hostWithWeb(name: string): Promise<{ hv: FakeHypervisor; img: Awaited<ReturnType<typeof imageFile>>; disk: string }> {
  const img = await imageFile(name, `image ${name}`);
  const hv = new FakeHypervisor();
  const created = await applyOn(await planOn(desiredWith(img.path, { web: { state: "stopped" } }), hv, { tiny: img.observation }), hv);
  expect(created.failed).toBe(0);
  return { hv, img, disk: `web-${hex12(img.observation)}.qcow2` };
}

const volumes = (hv: FakeHypervisor) => hv.storage.observe("default")?.volumes ?? [];

describe("frost deletes only the disks it created and nothing uses (fake hypervisor)", () => {
  it("gives the domain it defines a UUID, and records it with the name it defined it under", async () => {
    const { hv } = await hostWithWeb("uuid.qcow2");
    const web = hv.domain("web");
    expect(web?.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(web?.record).toMatchObject({ uuid: web?.uuid, name: "web", createdBy: "frost" });
  });

  // What `virsh domrename web web-old` (shut off) and the same configuration did: the create of web
  // deleted web-old's disk. Now the disk of another domain is an error at the instance, naming it.
  it("a volume of the new disk's name that a domain uses is a plan error naming that domain; its disk stays", async () => {
    const { hv, img, disk } = await hostWithWeb("renamed.qcow2");
    hv.renameDomain("web", "web-old");
    const desired = desiredWith(img.path, { web: { state: "stopped" } });
    const p = await planOn(desired, hv, { tiny: img.observation });
    expect(p.errored).toBe(true);
    const error = p.diagnostics.find((d) => d.code === "plan.disk-in-use");
    expect(error?.summary).toBe(
      `instance web: volume ${disk} in pool default is the disk of domain web-old (its disk vda); frost never deletes a disk in use: rename the instance, or remove web-old and its disk`,
    );
    expect(error?.pos).toEqual({ file: "frost.yaml", line: 20, col: 3 });
    expect(p.changes.flatMap((c) => c.steps).some((s) => s.kind === "delete-volume")).toBe(false);
    // web-old carries frost's record, but frost did not define it under that name: released, never destroyed.
    expect(p.remarks.map((r) => [r.address, r.message])).toEqual([
      [
        "instance.web-old",
        "frost created it as web, and it was renamed outside frost (virsh domrename); frost does not manage it: it is released, never destroyed",
      ],
    ]);
    expect(volumes(hv)).toContain(disk);
  });

  it("a renamed domain is released when the configuration no longer declares the instance: never destroyed", async () => {
    const { hv, img, disk } = await hostWithWeb("renamed2.qcow2");
    hv.renameDomain("web", "web-old");
    const p = await planOn(desiredWith(img.path, {}), hv, { tiny: img.observation });
    expect(lines(p)).toEqual([]);
    expect(p.remarks.map((r) => r.address)).toEqual(["instance.web-old"]);
    await applyOn(p, hv);
    expect(hv.domain("web-old")).toBeDefined();
    expect(volumes(hv)).toContain(disk);
  });

  it("what a failed create left (its marker there, nothing using it) is deleted as a change of its own, before the create", async () => {
    const img = await imageFile("left.qcow2", "image left");
    const desired = desiredWith(img.path, { web: {} });
    const hv = new FakeHypervisor();
    hv.failNext("define", "internal error: injected define failure");
    await applyOn(await planOn(desired, hv, { tiny: img.observation }), hv);
    const disk = `web-${hex12(img.observation)}.qcow2`;
    expect(hv.storage.pools.get("default")?.volumes.has(creatingMarker(disk))).toBe(true);

    const p = await planOn(desired, hv, { tiny: img.observation });
    expect(lines(p)).toEqual([`delete volume.${disk}`, "create instance.web"]);
    expect(p.changes[0]?.reason).toBe("in pool default (left by a failed create of instance.web; no domain uses it)");
    expect(p.changes[1]?.requires).toEqual([`volume.${disk}`]);
    const r = await applyOn(p, hv);
    expect(r.failed).toBe(0);
    expect(hv.domain("web")?.disk?.volume).toBe(disk);
    expect(volumes(hv).filter((v) => v.startsWith("web-"))).toEqual([disk]);
  });

  it("a volume of the disk's name that frost cannot prove it created is never deleted: a plan error", async () => {
    const img = await imageFile("foreign.qcow2", "image foreign");
    const hv = new FakeHypervisor();
    hv.storage.createPool("default", "/var/lib/frost-pool");
    const disk = `web-${hex12(img.observation)}.qcow2`;
    hv.storage.addVolume("default", disk, { bytes: 1024 }, "vol-create-as"); // someone's, with the name frost would give
    const p = await planOn(desiredWith(img.path, { web: {} }), hv, { tiny: img.observation });
    expect(p.errored).toBe(true);
    expect(p.diagnostics.map((d) => d.code)).toEqual(["plan.disk-not-created-by-frost"]);
    expect(p.diagnostics[0]?.summary).toContain(`instance web: volume ${disk} in pool default exists already`);
    expect(p.diagnostics[0]?.detail).toContain(`vol-delete --pool default ${disk}`);
  });

  // `virsh dumpxml web | (new name, no uuid) | virsh define`: the copy carries frost's record.
  it("a domain defined from a copy of frost's XML is never destroyed, and the disk both use is kept when frost destroys its own", async () => {
    const { hv, img, disk } = await hostWithWeb("copy.qcow2");
    hv.defineCopy("web", "web-copy");
    const kept = await planOn(desiredWith(img.path, { web: { state: "stopped" } }), hv, { tiny: img.observation });
    expect(lines(kept)).toEqual([]);
    expect(kept.remarks.map((r) => r.address)).toEqual(["instance.web-copy"]);
    expect(kept.remarks[0]?.message).toMatch(/^it carries frost's record of web, but it is not the domain frost defined \(its UUID /);

    const p = await planOn(desiredWith(img.path, {}), hv, { tiny: img.observation });
    expect(lines(p)).toEqual(["delete instance.web"]);
    expect(p.changes[0]?.reason).toBe(
      `destroy: created by frost, no longer declared; keeps its disk ${disk}: domain web-copy (its disk vda) uses it too`,
    );
    expect(p.changes[0]?.steps.map((s) => s.kind)).toEqual(["stop-domain", "undefine-domain"]);
    expect((await applyOn(p, hv)).failed).toBe(0);
    expect(hv.domain("web")).toBeUndefined();
    expect(hv.domain("web-copy")).toBeDefined();
    expect(volumes(hv)).toContain(disk);
  });

  it("a copy defined under the original's name (the original undefined) is not taken for frost's", async () => {
    const { hv, img } = await hostWithWeb("samename.qcow2");
    hv.defineCopy("web", "web-tmp");
    await hv.undefineDomain("web");
    hv.renameDomain("web-tmp", "web");
    const p = await planOn(desiredWith(img.path, { web: { state: "stopped" } }), hv, { tiny: img.observation });
    expect(p.diagnostics.map((d) => d.code)).toEqual(["plan.instance-not-created-by-frost"]);
    expect(p.diagnostics[0]?.summary).toContain("it is not the domain frost defined");
  });

  it("a replace keeps the old disk when another domain uses it, and says so", async () => {
    const { hv, disk } = await hostWithWeb("r1.qcow2");
    hv.defineCopy("web", "web-copy");
    const two = await imageFile("r2.qcow2", "image r two");
    const p = await planOn(desiredWith(two.path, { web: { state: "stopped" } }), hv, { tiny: two.observation });
    const replace = p.changes.find((c) => c.address === "instance.web");
    expect(replace?.action).toBe("replace");
    expect(replace?.steps.some((s) => s.kind === "delete-volume")).toBe(false);
    expect(replace?.notes).toContain(`keeps its disk ${disk}: domain web-copy (its disk vda) uses it too`);
    expect((await applyOn(p, hv)).failed).toBe(0);
    expect(volumes(hv)).toContain(disk);
    expect(hv.domain("web")?.disk?.volume).toBe(`web-${hex12(two.observation)}.qcow2`);
  });

  it("a destroy keeps the recorded disk when the domain does not use it", async () => {
    const { hv, img, disk } = await hostWithWeb("swapped.qcow2");
    const web = hv.domain("web");
    if (web) web.source = "/var/lib/frost-pool/elsewhere.qcow2"; // its disk pointed elsewhere, outside frost
    const p = await planOn(desiredWith(img.path, {}), hv, { tiny: img.observation });
    expect(p.changes[0]?.reason).toBe(
      `destroy: created by frost, no longer declared; keeps its disk ${disk}: web does not use it (not as a disk of its own, nor under frost's snapshots only)`,
    );
    await applyOn(p, hv);
    expect(volumes(hv)).toContain(disk);
  });

  it("a destroy deletes the disk under frost's own snapshots, and keeps it under another tool's", async () => {
    const meta = {
      takenAt: "2026-11-25T02:00:00Z",
      consistency: "filesystem" as const,
      quiesce: "required" as const,
      frozenFilesystems: 2,
      frostVersion: "0.1.0",
    };
    const own = await hostWithWeb("snap1.qcow2");
    own.hv.withSnapshot("web", { name: "ondemand-20261125T020001Z", meta });
    const p = await planOn(desiredWith(own.img.path, {}), own.hv, { tiny: own.img.observation });
    expect(p.changes[0]?.steps.map((s) => s.kind)).toEqual(["delete-snapshot", "stop-domain", "undefine-domain", "delete-volume"]);
    expect((await applyOn(p, own.hv)).failed).toBe(0);
    expect(volumes(own.hv)).not.toContain(own.disk);

    const foreign = await hostWithWeb("snap2.qcow2");
    foreign.hv.withSnapshot("web", { name: "ondemand-20261125T020001Z", meta }).withSnapshot("web", { name: "by-hand" });
    const q = await planOn(desiredWith(foreign.img.path, {}), foreign.hv, { tiny: foreign.img.observation });
    expect(q.changes[0]?.reason).toContain(`keeps its disk ${foreign.disk}: web does not use it`);
    expect(q.changes[0]?.steps.some((s) => s.kind === "delete-volume")).toBe(false);
  });

  // Records written before frost recorded UUIDs: the domains frost created keep working; one
  // renamed (or copied under another name) is recognised by the disk frost named after the instance.
  it("a record without UUID is frost's where its disk carries the domain's name, and released where not", async () => {
    const { hv, img, disk } = await hostWithWeb("legacy.qcow2");
    hv.defineCopy("web", "web-old"); // a legacy copy under another name
    for (const name of ["web", "web-old"]) {
      const record = hv.domain(name)?.record;
      delete record?.uuid;
      delete record?.name;
    }
    const p = await planOn(desiredWith(img.path, {}), hv, { tiny: img.observation });
    expect(lines(p)).toEqual(["delete instance.web"]);
    expect(p.remarks.map((r) => [r.address, r.message])).toEqual([
      [
        "instance.web-old",
        "frost's record in it (written before frost recorded domain UUIDs) is of web: renamed outside frost, or defined from a copy of its XML; frost does not manage it: it is released, never destroyed",
      ],
    ]);
    expect(p.changes[0]?.reason).toContain(`keeps its disk ${disk}: domain web-old (its disk vda) uses it too`);
  });

  // A saved plan may be old: the deletion is checked again against the host as it is then.
  it("refuses at apply time to delete a volume a domain uses by then, naming the domain", async () => {
    const { hv, img, disk } = await hostWithWeb("late.qcow2");
    const p = await planOn(desiredWith(img.path, {}), hv, { tiny: img.observation });
    expect(p.changes[0]?.steps.map((s) => s.kind)).toEqual(["stop-domain", "undefine-domain", "delete-volume"]);
    hv.defineCopy("web", "web-copy"); // after the plan was made
    const r = await applyOn(p, hv);
    expect(r.outcomes[0]?.outcome).toMatchObject({
      status: "failed",
      error: `refusing to delete volume ${disk} in pool default: domain web-copy (its disk vda) uses it; frost never deletes a disk in use (the host changed since the plan was made? run frost plan again)`,
    });
    expect(volumes(hv)).toContain(disk);
  });

  it("refuses to delete a volume in a running domain's backing chain", async () => {
    const { hv, img } = await hostWithWeb("chain.qcow2");
    const image = `tiny-${hex12(img.observation)}.qcow2`;
    await hv.startDomain("web");
    await expect(hv.deleteVolume("default", image)).rejects.toThrow(`domain web (its disk vda) uses it`);
    expect(volumes(hv)).toContain(image);
  });
});
