import type { OpenStackStep } from "../../../reconcile/providers/openstack/steps-model.js";
import type { OpenStackFacts } from "../../../reconcile/providers/openstack/observe.js";
import { describe, expect, it } from "vitest";
import { onDemandSnapshotStep } from "../../../reconcile/providers/openstack/plan/on-demand.js";
import { destructiveRefusal } from "../../../reconcile/plan/destructive.js";
import { buildStatus } from "../../../reconcile/status/status.js";
import { MARK } from "../../../reconcile/providers/openstack/markers.js";
import { changeLine } from "../../../cmd/render/plan-text.js";
import { BASE, OpenStackWorld } from "./world.js";

const SCHEDULE = `
schedules:
  hourly:
    instances: [web]
    cron: "0 * * * *"
    keep: { last: 2 }
`;

describe("OpenStack: images in Glance", () => {
  it("uploads an image with its properties, after which the plan is empty", async () => {
    const w = new OpenStackWorld();
    const desired = await w.load(BASE.replace(/instances:[\s\S]*/, ""));
    const first = await w.plan(desired);
    expect(first.changes.map((c) => `${c.action} ${c.address}`)).toEqual(["create image.guest"]);
    const result = await w.apply(first);
    expect(result.failed).toBe(0);
    const [image] = [...w.cloud.images.values()];
    expect(image?.status).toBe("active");
    expect(image?.properties).toMatchObject({ hw_qemu_guest_agent: "yes", os_require_quiesce: "yes", [MARK.image]: "guest" });
    const again = await w.plan(desired);
    expect([again.changes, again.drift]).toEqual([[], []]);
  });

  it("shows a property changed outside frost as drift, and sets it back", async () => {
    const w = new OpenStackWorld();
    const desired = await w.load(BASE.replace(/instances:[\s\S]*/, ""));
    await w.apply(await w.plan(desired));
    const [image] = [...w.cloud.images.values()];
    await w.cloud.patchImage(image?.id as string, [{ op: "add", path: "/hw_qemu_guest_agent", value: "no" }]);
    const p = await w.plan(desired);
    expect(p.drift.map((d) => d.reason)).toEqual([expect.stringContaining('hw_qemu_guest_agent "yes" → "no"')]);
    expect(p.changes.map((c) => `${c.action} ${c.address}`)).toEqual(["update image.guest"]);
    expect(p.changes[0]?.notes.join(" ")).toContain("until rebuilt");
    expect((await w.apply(p)).failed).toBe(0);
    expect(w.cloud.images.get(image?.id as string)?.properties["hw_qemu_guest_agent"]).toBe("yes");
    const again = await w.plan(desired);
    expect([again.changes, again.drift]).toEqual([[], []]);
  });

  it("removes a property it set once it is no longer declared, and never one it did not set", async () => {
    const w = new OpenStackWorld();
    const desired = await w.load(BASE.replace(/instances:[\s\S]*/, ""));
    await w.apply(await w.plan(desired));
    const [image] = [...w.cloud.images.values()];
    await w.cloud.patchImage(image?.id as string, [{ op: "add", path: "/hw_disk_bus", value: "virtio" }]);
    const fewer = await w.load(BASE.replace(/instances:[\s\S]*/, "").replace('      os_require_quiesce: "yes"\n', ""));
    const p = await w.plan(fewer);
    expect(p.changes[0]?.steps[0]).toMatchObject({
      kind: "openstack-patch-image",
      ops: expect.arrayContaining([{ op: "remove", path: "/os_require_quiesce" }]),
    });
    await w.apply(p);
    const props = w.cloud.images.get(image?.id as string)?.properties ?? {};
    expect(props["os_require_quiesce"]).toBeUndefined();
    expect(props["hw_disk_bus"]).toBe("virtio");
  });

  it("refuses a saved patch when the property moved since the plan", async () => {
    const w = new OpenStackWorld();
    const desired = await w.load(BASE.replace(/instances:[\s\S]*/, ""));
    await w.apply(await w.plan(desired));
    const [image] = [...w.cloud.images.values()];
    const id = image?.id as string;
    await w.cloud.patchImage(id, [{ op: "add", path: "/hw_qemu_guest_agent", value: "no" }]);
    const p = await w.plan(desired);
    await w.cloud.patchImage(id, [{ op: "add", path: "/hw_qemu_guest_agent", value: "maybe" }]);
    const result = await w.apply(p);
    expect(result.outcomes[0]?.outcome).toMatchObject({ status: "failed", error: expect.stringContaining("changed since the plan") });
    expect(w.cloud.images.get(id)?.properties["hw_qemu_guest_agent"]).toBe("maybe");
  });

  it("leaves an image of the same name that frost did not upload alone", async () => {
    const w = new OpenStackWorld();
    const theirs = w.cloud.withImage("guest", { hw_qemu_guest_agent: "no" });
    const desired = await w.load(BASE.replace(/instances:[\s\S]*/, ""));
    await w.apply(await w.plan(desired));
    expect(w.cloud.images.get(theirs.id)?.properties).toEqual({ hw_qemu_guest_agent: "no" });
    expect(w.cloud.images.size).toBe(2);
  });
});

describe("OpenStack: servers", () => {
  it("boots a server from the image, recording the agent properties it booted with", async () => {
    const w = new OpenStackWorld();
    const desired = await w.load(BASE);
    const p = await w.plan(desired);
    expect(p.changes.map((c) => `${c.action} ${c.address}`)).toEqual(["create image.guest", "create server.web"]);
    expect((await w.apply(p)).failed).toBe(0);
    const web = w.cloud.server("web");
    expect(web.server.metadata).toMatchObject({ [MARK.createdBy]: "frost", [MARK.boot]: "hw_qemu_guest_agent=yes;os_require_quiesce=yes" });
    expect(web.boot.agent).toBe(true);
    expect((await w.plan(desired)).changes).toEqual([]);
  });

  it("says a property set after boot takes effect after a rebuild, which needs --allow-rebuild", async () => {
    const w = new OpenStackWorld();
    const before = await w.load(
      BASE.replace('hw_qemu_guest_agent: "yes"', 'hw_qemu_guest_agent: "no"').replace(
        'os_require_quiesce: "yes"',
        'os_require_quiesce: "no"',
      ),
    );
    await w.apply(await w.plan(before));
    expect(w.cloud.server("web").boot.agent).toBe(false);
    const after = await w.load(BASE);
    const p = await w.plan(after);
    const rebuild = p.changes.find((c) => c.address === "server.web");
    expect(rebuild).toMatchObject({ action: "update", reason: "hw_qemu_guest_agent set after boot; takes effect after rebuild" });
    expect(destructiveRefusal(p, { destroy: false, replace: false, rebuild: false })).toContain("--allow-rebuild");
    expect(destructiveRefusal(p, { destroy: false, replace: false, rebuild: true })).toBeUndefined();
    expect((await w.apply(p)).failed).toBe(0);
    expect(w.cloud.server("web").boot.agent).toBe(true);
    expect((await w.plan(after)).changes).toEqual([]);
  });

  it("destroys a server it created and no longer declares only with --allow-destroy, keeping its snapshot images", async () => {
    const w = new OpenStackWorld();
    const desired = await w.load(BASE + SCHEDULE);
    await w.apply(await w.plan(desired, "2026-11-25T11:30:00Z"), "2026-11-25T11:30:00Z");
    await w.apply(await w.plan(desired, "2026-11-25T12:00:30Z"), "2026-11-25T12:00:30Z");
    const theirs = w.cloud.withServer("legacy", w.cloud.withImage("other").id);
    const gone = await w.load(BASE.replace(/instances:[\s\S]*/, ""));
    const p = await w.plan(gone, "2026-11-25T12:10:00Z");
    expect(p.changes.map((c) => `${c.action} ${c.address}`)).toEqual(["delete server.web"]);
    expect(p.changes[0]?.notes).toEqual(["needs --allow-destroy", "its 1 frost snapshot image(s) stay in Glance"]);
    expect(destructiveRefusal(p, { destroy: false, replace: false })).toContain("--allow-destroy");
    expect((await w.apply(p, "2026-11-25T12:10:00Z")).failed).toBe(0);
    expect([...w.cloud.servers.values()].map((s) => s.server.name)).toEqual(["legacy"]);
    expect(w.cloud.servers.has(theirs.id)).toBe(true);
    expect([...w.cloud.images.values()].some((g) => g.name === "web-hourly-20261125T1200Z")).toBe(true);
  });

  it("never destroys a server created with protect: true", async () => {
    const w = new OpenStackWorld();
    await w.apply(await w.plan(await w.load(BASE.replace("    networks: none\n", "    networks: none\n    protect: true\n"))));
    const p = await w.plan(await w.load(BASE.replace(/instances:[\s\S]*/, "")));
    expect(p.changes).toEqual([]);
    expect(p.diagnostics.map((d) => d.code)).toEqual(["plan.protected-undeclared"]);
  });

  it("never takes over a server of the instance's name that frost did not boot", async () => {
    const w = new OpenStackWorld();
    const theirs = w.cloud.withImage("theirs", { hw_qemu_guest_agent: "no" });
    w.cloud.withServer("web", theirs.id);
    const p = await w.plan(await w.load(BASE + SCHEDULE), "2026-11-25T12:00:30Z");
    expect(p.diagnostics.find((d) => d.code === "plan.server-not-frosts")?.detail).toContain("adopt: true");
    expect(p.changes.filter((c) => c.address === "server.web")).toEqual([]);
    expect(p.errored).toBe(true);
  });

  it("refuses to adopt a server that does not exist, and reports two servers of one name", async () => {
    const w = new OpenStackWorld();
    const yaml = BASE.replace("    image: guest\n    flavor: frost.tiny\n    networks: none\n", "    adopt: true\n");
    expect((await w.plan(await w.load(yaml))).diagnostics.map((d) => d.code)).toContain("plan.adopt-missing");
    const img = w.cloud.withImage("other", { hw_qemu_guest_agent: "yes" });
    w.cloud.withServer("web", img.id);
    w.cloud.withServer("web", img.id);
    expect((await w.plan(await w.load(yaml))).diagnostics.map((d) => d.code)).toContain("plan.server-ambiguous");
  });

  it("reports an unknown flavor or network with the line it was written on", async () => {
    const w = new OpenStackWorld();
    const p = await w.plan(
      await w.load(BASE.replace("flavor: frost.tiny", "flavor: m1.huge").replace("networks: none", "networks: [nope]")),
    );
    const flavor = p.diagnostics.find((d) => d.code === "plan.flavor-missing");
    expect(flavor?.summary).toContain('"m1.huge"');
    expect(flavor?.pos?.line).toBe(18);
    expect(p.errored).toBe(true);
    const network = await w.plan(await w.load(BASE.replace("networks: none", "networks: [nope]")));
    expect(network.diagnostics.find((d) => d.code === "plan.network-missing")?.summary).toContain('no network named "nope"');
    expect(network.diagnostics.find((d) => d.code === "plan.network-missing")?.pos?.line).toBe(19);
  });

  it("boots a server on the named networks, by their ids", async () => {
    const w = new OpenStackWorld();
    const p = await w.plan(await w.load(BASE.replace("networks: none", "networks: [frost-net]")));
    expect(p.changes.find((c) => c.address === "server.web")?.steps[0]).toMatchObject({
      kind: "openstack-create-server",
      networks: ["n1"],
    });
  });
});

describe("OpenStack: scheduled snapshots through createImage", () => {
  async function running(w: OpenStackWorld, extra = "") {
    const desired = await w.load(BASE + SCHEDULE + extra);
    await w.apply(await w.plan(desired, "2026-11-25T11:30:00Z"), "2026-11-25T11:30:00Z");
    return desired;
  }

  it("never takes a snapshot image for the declared image, though Nova copies frost's marks into it", async () => {
    const w = new OpenStackWorld();
    const desired = await running(w);
    expect((await w.apply(await w.plan(desired, "2026-11-25T12:00:30Z"), "2026-11-25T12:00:30Z")).failed).toBe(0);
    const uploaded = [...w.cloud.images.values()].find((g) => g.name === "guest");
    const snapshot = [...w.cloud.images.values()].find((g) => g.name === "web-hourly-20261125T1200Z");
    expect(snapshot?.properties[MARK.image]).toBe("guest"); // inherited, as Nova does
    // A second server from the same image boots from the image frost uploaded, not from web's snapshot.
    const more = await w.load(BASE + "  web2:\n    host: cloud\n    image: guest\n    flavor: frost.tiny\n    networks: none\n" + SCHEDULE);
    const p = await w.plan(more, "2026-11-25T12:10:00Z");
    expect(p.changes.map((c) => `${c.action} ${c.address}`)).toEqual(["create server.web2"]);
    expect((await w.apply(p, "2026-11-25T12:10:00Z")).failed).toBe(0);
    expect(w.cloud.server("web2").server.imageId).toBe(uploaded?.id);
  });

  it("takes a due snapshot, records it on the image, and finds it taken next time", async () => {
    const w = new OpenStackWorld();
    const desired = await running(w);
    const p = await w.plan(desired, "2026-11-25T12:00:30Z");
    const snap = p.changes.find((c) => c.action === "snapshot");
    expect(snap?.steps[0]).toMatchObject({
      kind: "openstack-snapshot",
      imageName: "web-hourly-20261125T1200Z",
      agentCheck: { domain: w.cloud.server("web").server.instanceName },
    });
    const result = await w.apply(p, "2026-11-25T12:00:30Z");
    expect(result.failed).toBe(0);
    const taken = [...w.cloud.images.values()].find((g) => g.name === "web-hourly-20261125T1200Z");
    expect(taken?.properties).toMatchObject({ [MARK.schedule]: "hourly", [MARK.consistency]: "filesystem", [MARK.quiesce]: "required" });
    expect(w.cloud.server("web").frozenSnapshots).toEqual([taken?.id]);
    expect((await w.plan(desired, "2026-11-25T12:30:00Z")).changes).toEqual([]);
  });

  it("refuses when quiesce is required and the agent does not answer: no image is created", async () => {
    const w = new OpenStackWorld();
    const desired = await running(w);
    w.cloud.setAgent("web", "stopped");
    const p = await w.plan(desired, "2026-11-25T12:00:30Z");
    expect(p.changes.find((c) => c.action === "snapshot")?.notes.join(" ")).toContain("will fail");
    const images = w.cloud.images.size;
    const result = await w.apply(p, "2026-11-25T12:00:30Z");
    expect(result.outcomes.find((o) => o.change.action === "snapshot")?.outcome).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/^refused: the guest agent/),
    });
    expect(w.cloud.calls.filter((c) => c.startsWith("createSnapshot"))).toEqual([]);
    expect(w.cloud.images.size).toBe(images);
  });

  it("refuses on a hung agent after frost's own bounded ping, so that Nova never sends it a freeze", async () => {
    const w = new OpenStackWorld();
    const desired = await running(w);
    w.cloud.setAgent("web", "hung");
    const result = await w.apply(await w.plan(desired, "2026-11-25T12:00:30Z"), "2026-11-25T12:00:30Z");
    expect(result.outcomes.find((o) => o.change.action === "snapshot")?.outcome).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/^refused: .* does not answer \(timeout/),
    });
    expect(w.cloud.calls.filter((c) => c.startsWith("createSnapshot"))).toEqual([]);
  });

  it("reports Nova's silent failure (202, then no image) as a failed snapshot", async () => {
    const w = new OpenStackWorld();
    const base = w.cloud.withImage("legacy-image", { os_require_quiesce: "yes" });
    w.cloud.withServer("legacy", base.id);
    w.compute = false;
    const desired = await w.load(`
hosts:
  cloud: { kind: openstack, cloud: fake }
instances:
  legacy: { host: cloud, adopt: true, quiesce: preferred }
schedules:
  hourly: { instances: [legacy], cron: "0 * * * *", keep: { last: 2 } }
`);
    const p = await w.plan(desired, "2026-11-25T12:00:30Z");
    const result = await w.apply(p, "2026-11-25T12:00:30Z");
    const outcome = result.outcomes.find((o) => o.change.action === "snapshot")?.outcome;
    expect(outcome).toMatchObject({ status: "failed" });
    expect(outcome?.status === "failed" && outcome.error).toMatch(
      /Nova did not make snapshot legacy-hourly-20261125T1200Z.*gone.*createImage req-\d+ → Error \(compute_snapshot_instance: Error\)/,
    );
    expect(w.cloud.server("legacy").server.status).toBe("ACTIVE");
  });

  it("waits for a snapshot image that is still saving, within its deadline", async () => {
    const w = new OpenStackWorld();
    const desired = await running(w);
    w.cloud.snapshotPendingPolls = 3;
    const result = await w.apply(await w.plan(desired, "2026-11-25T12:00:30Z"), "2026-11-25T12:00:30Z");
    expect(result.failed).toBe(0);
    expect(w.cloud.calls.filter((c) => c.startsWith("getImage")).length).toBeGreaterThanOrEqual(4);
  });

  it("prunes exactly frost's expired snapshot images of this server, nothing else", async () => {
    // keep last 2: each hourly run keeps its own snapshot and the one before, and deletes the rest.
    const w = new OpenStackWorld();
    const desired = await running(w);
    for (const hour of ["09", "10", "11"]) {
      const at = `2026-11-25T${hour}:00:30Z`;
      expect((await w.apply(await w.plan(desired, at), at)).failed).toBe(0);
    }
    const web = w.cloud.server("web").server;
    const foreign = w.cloud.withImage("web-hourly-20261125T0800Z", { image_type: "snapshot", instance_uuid: web.id });
    const p = await w.plan(desired, "2026-11-25T12:00:30Z");
    expect(p.changes.map((c) => `${c.action} ${c.before["snapshot"] ?? c.after["snapshot"] ?? ""}`)).toEqual([
      "snapshot web-hourly-20261125T1200Z",
      "prune web-hourly-20261125T1000Z",
    ]);
    expect((await w.apply(p, "2026-11-25T12:00:30Z")).failed).toBe(0);
    const names = [...w.cloud.images.values()].map((g) => g.name).sort();
    expect(names).toEqual(["guest", "web-hourly-20261125T0800Z", "web-hourly-20261125T1100Z", "web-hourly-20261125T1200Z"]);
    expect(w.cloud.images.has(foreign.id)).toBe(true);
  });

  it("refuses to delete an image that is no longer frost's snapshot of this server", async () => {
    const w = new OpenStackWorld();
    const desired = await running(w);
    for (const hour of ["09", "10", "11"]) {
      const at = `2026-11-25T${hour}:00:30Z`;
      await w.apply(await w.plan(desired, at), at);
    }
    const p = await w.plan(desired, "2026-11-25T12:00:30Z");
    const prune = p.changes.find((c) => c.action === "prune");
    const step = prune?.steps[0] as OpenStackStep | undefined;
    if (step?.kind !== "openstack-delete-snapshot") throw new Error("no prune");
    await w.cloud.patchImage(step.imageId, [{ op: "remove", path: `/${MARK.snapshot}` }]);
    const result = await w.apply(p, "2026-11-25T12:00:30Z");
    expect(result.outcomes.find((o) => o.change === prune)?.outcome).toMatchObject({
      status: "failed",
      error: expect.stringContaining("refused"),
    });
    expect(w.cloud.images.has(step.imageId)).toBe(true);
  });
});

describe("OpenStack: a required quiesce frost cannot check", () => {
  const TRUST = '    compute: { fake-compute: "qemu:///system" }\n    trustNovaQuiesce: true\n';
  const COMPUTE = '    compute: { fake-compute: "qemu:///system" }\n';

  async function booted(w: OpenStackWorld, yaml: string) {
    const desired = await w.load(yaml);
    await w.apply(await w.plan(desired, "2026-11-25T11:30:00Z"), "2026-11-25T11:30:00Z");
    return desired;
  }

  it("is a plan error at the instance when the compute host's libvirt does not answer: no snapshot is planned", async () => {
    const w = new OpenStackWorld();
    const desired = await booted(w, BASE + SCHEDULE);
    w.compute = false;
    const p = await w.plan(desired, "2026-11-25T12:00:30Z");
    expect(p.errored).toBe(true);
    expect(p.changes.filter((c) => c.action === "snapshot")).toEqual([]);
    const d = p.diagnostics.find((x) => x.code === "plan.quiesce-unchecked");
    expect(d).toMatchObject({ severity: "error", pos: { line: 15, col: 3 } });
    expect(d?.summary).toBe(
      "instance web: quiesce is required (snapshot @hourly), but frost cannot check the guest agent of server web before asking Nova: cannot connect to qemu:///system",
    );
    expect(d?.detail).toContain("Nova snapshots without freezing when the agent is disconnected");
    expect(d?.detail).toContain("make the libvirt of compute host fake-compute answer at qemu:///system");
    expect(d?.detail).toContain("trustNovaQuiesce: true on host cloud");
    expect(w.cloud.calls.filter((c) => c.startsWith("createSnapshot"))).toEqual([]);
  });

  it("is a plan error when the compute host is not listed under compute:, saying what to write", async () => {
    const w = new OpenStackWorld();
    const desired = await booted(w, BASE.replace(COMPUTE, "") + SCHEDULE);
    const p = await w.plan(desired, "2026-11-25T12:00:30Z");
    expect(p.errored).toBe(true);
    const d = p.diagnostics.find((x) => x.code === "plan.quiesce-unchecked");
    expect(d?.summary).toContain("compute host fake-compute is not listed under compute:");
    expect(d?.detail).toContain("compute: { fake-compute: qemu+ssh://fake-compute/system }");
    expect(d?.pos?.line).toBe(14);
  });

  it("with trustNovaQuiesce: true, takes it; the plan line names the option and the record says unverified", async () => {
    const w = new OpenStackWorld();
    const desired = await booted(w, BASE.replace(COMPUTE, TRUST) + SCHEDULE);
    w.compute = false;
    const p = await w.plan(desired, "2026-11-25T12:00:30Z");
    expect(p.errored).toBe(false);
    const snap = p.changes.find((c) => c.action === "snapshot");
    expect(snap && changeLine(snap)).toBe(
      "+ snapshot server.web @hourly (due since 2026-11-25 12:00 UTC; quiesce required; unchecked: Nova's own enforcement accepted by hosts.cloud.trustNovaQuiesce)",
    );
    expect(snap?.steps[0]).toMatchObject({ kind: "openstack-snapshot", novaQuiesceAccepted: "hosts.cloud.trustNovaQuiesce" });
    expect(snap?.steps[0]).not.toHaveProperty("agentCheck");
    const result = await w.apply(p, "2026-11-25T12:00:30Z");
    expect(result.outcomes.find((o) => o.change.action === "snapshot")?.outcome).toMatchObject({
      status: "done",
      warnings: [expect.stringContaining("accepted by hosts.cloud.trustNovaQuiesce")],
    });
    const taken = [...w.cloud.images.values()].find((g) => g.name === "web-hourly-20261125T1200Z");
    expect(taken?.properties[MARK.consistency]).toBe("unverified");
  });

  it("still pings the agent where it can, with trustNovaQuiesce: true", async () => {
    const w = new OpenStackWorld();
    const desired = await booted(w, BASE.replace(COMPUTE, TRUST) + SCHEDULE);
    const p = await w.plan(desired, "2026-11-25T12:00:30Z");
    const snap = p.changes.find((c) => c.action === "snapshot");
    expect(snap?.reason).not.toContain("unchecked");
    expect(snap?.steps[0]).not.toHaveProperty("novaQuiesceAccepted");
    expect(snap?.steps[0]).toHaveProperty("agentCheck");
  });

  it("apply refuses an unchecked required quiesce that no host option accepted: nothing is sent to Nova", async () => {
    const w = new OpenStackWorld();
    const desired = await booted(w, BASE.replace(COMPUTE, TRUST) + SCHEDULE);
    w.compute = false;
    const p = await w.plan(desired, "2026-11-25T12:00:30Z");
    const step = p.changes.find((c) => c.action === "snapshot")?.steps[0] as OpenStackStep | undefined;
    if (step?.kind !== "openstack-snapshot") throw new Error("no snapshot step");
    delete step.novaQuiesceAccepted;
    const result = await w.apply(p, "2026-11-25T12:00:30Z");
    expect(result.outcomes.find((o) => o.change.action === "snapshot")?.outcome).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/^refused: quiesce is required, but frost cannot check the guest agent of web/),
    });
    expect(w.cloud.calls.filter((c) => c.startsWith("createSnapshot"))).toEqual([]);
  });

  it("applies the same rule to frost snapshot on a server", async () => {
    const request = { name: "ondemand-20261125T120000Z", quiesce: "required" as const };
    const w = new OpenStackWorld();
    const desired = await booted(w, BASE.replace(COMPUTE, "") + SCHEDULE);
    const facts = (await w.observe(desired))["cloud"];
    if (facts?.status !== "observed") throw new Error("not observed");
    const refused = onDemandSnapshotStep(desired.hosts["cloud"]!, desired.instances["web"]!, facts.facts as OpenStackFacts, request);
    expect(refused).toMatchObject({ diagnostic: { code: "plan.quiesce-unchecked", pos: { line: 14, col: 3 } } });
    expect("diagnostic" in refused && refused.diagnostic.summary).toContain("(snapshot on demand)");

    const t = new OpenStackWorld();
    const trusting = await booted(t, BASE.replace(COMPUTE, "    trustNovaQuiesce: true\n") + SCHEDULE);
    const tf = (await t.observe(trusting))["cloud"];
    if (tf?.status !== "observed") throw new Error("not observed");
    const taken = onDemandSnapshotStep(trusting.hosts["cloud"]!, trusting.instances["web"]!, tf.facts as OpenStackFacts, request);
    expect(taken).toMatchObject({
      step: { kind: "openstack-snapshot", novaQuiesceAccepted: "hosts.cloud.trustNovaQuiesce" },
      accepted: "hosts.cloud.trustNovaQuiesce",
    });
  });
});

describe("OpenStack: a server whose domain is gone", () => {
  async function running(w: OpenStackWorld) {
    const desired = await w.load(BASE + SCHEDULE);
    await w.apply(await w.plan(desired, "2026-11-25T11:30:00Z"), "2026-11-25T11:30:00Z");
    return desired;
  }

  it("is a plan error at the instance, saying how to repair it, and is sent no snapshot request", async () => {
    const w = new OpenStackWorld();
    const desired = await running(w);
    const web = w.cloud.server("web").server;
    w.cloud.removeDomain("web");
    const p = await w.plan(desired, "2026-11-25T12:00:30Z");
    expect(p.errored).toBe(true);
    expect(p.changes.filter((c) => c.address === "server.web")).toEqual([]);
    const d = p.diagnostics.find((x) => x.code === "plan.server-domain-missing");
    expect(d).toMatchObject({ severity: "error", pos: { line: 15, col: 3 } });
    expect(d?.summary).toBe(
      `instance web: Nova lists server web (${web.id}) as ACTIVE on compute host fake-compute, but qemu:///system has no domain ${web.instanceName}`,
    );
    expect(d?.detail).toContain(`openstack server reboot --hard ${web.id}`);
    expect(d?.detail).toContain(`openstack server delete ${web.id}; frost apply then boots it anew`);
    expect(p.diagnostics.map((x) => x.code)).not.toContain("plan.quiesce-unchecked");
    expect(w.cloud.calls.filter((c) => c.startsWith("createSnapshot"))).toEqual([]);
  });

  it("is refused to frost snapshot too", async () => {
    const w = new OpenStackWorld();
    const desired = await running(w);
    w.cloud.removeDomain("web");
    const facts = (await w.observe(desired))["cloud"];
    if (facts?.status !== "observed") throw new Error("not observed");
    const r = onDemandSnapshotStep(desired.hosts["cloud"]!, desired.instances["web"]!, facts.facts as OpenStackFacts, {
      name: "ondemand-20261125T120000Z",
      quiesce: "preferred",
    });
    expect(r).toMatchObject({ diagnostic: { code: "plan.server-domain-missing", pos: { line: 15, col: 3 } } });
  });

  it("is critical in frost status, as a missing domain", async () => {
    const w = new OpenStackWorld();
    const desired = await running(w);
    w.cloud.removeDomain("web");
    const report = buildStatus(desired, await w.observe(desired), new Date("2026-11-25T11:40:00Z"));
    expect(report.instances).toEqual([expect.objectContaining({ instance: "web", state: "missing", severity: "crit" })]);
    expect(report.severity).toBe("crit");
  });

  it("plans as usual again once Nova has defined the domain anew", async () => {
    const w = new OpenStackWorld();
    const desired = await running(w);
    w.cloud.removeDomain("web");
    const web = w.cloud.server("web").server;
    await w.cloud.stopServer(web.id);
    await w.cloud.startServer(web.id); // Nova's power-on defines the domain from its record
    const p = await w.plan(desired, "2026-11-25T12:00:30Z");
    expect(p.errored).toBe(false);
    expect(p.changes.map((c) => `${c.action} ${c.address}`)).toEqual(["snapshot server.web"]);
  });
});

describe("OpenStack: frost status", () => {
  it("shows a server's state, agent and frost's snapshots, and a schedule's freshness", async () => {
    const w = new OpenStackWorld();
    const desired = await w.load(BASE + SCHEDULE);
    await w.apply(await w.plan(desired, "2026-11-25T11:30:00Z"), "2026-11-25T11:30:00Z");
    await w.apply(await w.plan(desired, "2026-11-25T12:00:30Z"), "2026-11-25T12:00:30Z");
    const report = buildStatus(desired, await w.observe(desired), new Date("2026-11-25T12:10:00Z"));
    expect(report.instances).toEqual([
      expect.objectContaining({ instance: "web", state: "running", agent: "ok", snapshots: 1, severity: "ok" }),
    ]);
    expect(report.schedules).toEqual([expect.objectContaining({ schedule: "hourly", verdict: "ok" })]);
    w.cloud.setAgent("web", "stopped");
    const later = buildStatus(desired, await w.observe(desired), new Date("2026-11-25T14:10:00Z"));
    expect(later.instances[0]?.severity).not.toBe("ok");
    expect(later.schedules[0]?.verdict).toBe("missing");
  });
});
