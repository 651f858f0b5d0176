import { describe, expect, it } from "vitest";
import { FakeHypervisor } from "../../support/fake-libvirt/fake-hypervisor.js";
import type { Action, Plan } from "../../../reconcile/model.js";
import type { AnyStep, AnyChange } from "../../support/steps.js";
import { destructionsOf, destructiveRefusal, isDestructive } from "../../../reconcile/plan/destructive.js";
import { applyOn, desiredWith, imageFile, planOn } from "../lifecycle/world.js";

const none = { destroy: false, replace: false, rebuild: false };
const all = { destroy: true, replace: true, rebuild: true };

function change(action: Action, steps: AnyStep[], address = "instance.web"): AnyChange {
  return { host: "default", address, action, before: {}, after: {}, reason: "shown to the user", steps, notes: [] };
}

function planOf(...changes: AnyChange[]): Plan {
  return {
    formatVersion: 1,
    createdAt: "2026-11-25T12:00:00.000Z",
    hosts: [{ name: "default", uri: "test:///fake", status: "observed" }],
    changes,
    drift: [],
    remarks: [],
    kept: [],
    diagnostics: [],
    errored: false,
    applyable: true,
  };
}

const attach: AnyStep = { kind: "attach-agent-channel", domain: "web", target: { live: true, config: true } };
const spec = (name: string, volume: string) => ({
  name,
  uuid: "6a1f3c2e-0000-4000-8000-00000000f00d",
  type: "qemu" as const,
  memory: 512 * 1024 ** 2,
  vcpus: 1,
  disk: { pool: "default", volume },
  agentChannel: true,
  record: { agent: true, createdBy: "frost" as const },
});

// Each kind of step that loses something, inside a change whose label says it only updates.
const destructive: [string, AnyStep[]][] = [
  ["undefine-domain", [attach, { kind: "undefine-domain", domain: "web" }]],
  ["delete-volume", [attach, { kind: "delete-volume", domain: "web", pool: "default", volume: "web-0123456789ab.qcow2" }]],
  ["delete-snapshot", [attach, { kind: "delete-snapshot", domain: "web", name: "nightly-20261125T0200Z" }]],
  ["openstack-delete-server", [{ kind: "openstack-delete-server", server: "web", serverId: "s-1" }]],
  [
    "openstack-delete-snapshot",
    [
      { kind: "openstack-power", server: "web", serverId: "s-1", state: "running" },
      { kind: "openstack-delete-snapshot", server: "web", serverId: "s-1", imageId: "i-1", imageName: "web-nightly-20261125T0200Z" },
    ],
  ],
];

describe("the destroy/replace/rebuild gate reads the steps, not the label", () => {
  it.each(destructive)("refuses an 'update' carrying %s without --allow-destroy, naming the steps", (kind, steps) => {
    const p = planOf(change("update", steps));
    const refusal = destructiveRefusal(p, { ...none, replace: true, rebuild: true });
    expect(refusal).toBe(
      `Refusing to apply: it destroys instance.web (labelled "update", but it has ${kind} steps): pass --allow-destroy to allow that. Nothing was changed.`,
    );
    expect(destructiveRefusal(p, { ...none, destroy: true })).toBeUndefined();
    expect(isDestructive(p.changes[0] as AnyChange)).toBe(true);
  });

  it("asks for --allow-rebuild for a rebuild step, whatever the label", () => {
    const p = planOf(change("no-op", [{ kind: "openstack-rebuild-server", server: "web", serverId: "s-1", imageId: "i-1", metadata: {} }]));
    expect(destructionsOf(p.changes[0] as AnyChange)).toEqual(["rebuild"]);
    expect(destructiveRefusal(p, { destroy: true, replace: true, rebuild: false })).toContain("it rebuilds instance.web");
    expect(destructiveRefusal(p, { destroy: true, replace: true, rebuild: false })).toContain("--allow-rebuild");
  });

  it("lets a prune through with no flag: delete-snapshot steps alone, or OpenStack image-prune steps alone", () => {
    const libvirt = change("update", [
      { kind: "delete-snapshot", domain: "web", name: "nightly-20261101T0200Z" },
      { kind: "delete-snapshot", domain: "web", name: "nightly-20261102T0200Z" },
    ]);
    const openstack = change(
      "prune",
      [{ kind: "openstack-delete-snapshot", server: "web", serverId: "s-1", imageId: "i-1", imageName: "web-nightly-20261101T0200Z" }],
      "server.web",
    );
    expect(destructiveRefusal(planOf(libvirt, openstack), none)).toBeUndefined();
    expect([isDestructive(libvirt), isDestructive(openstack)]).toEqual([false, false]);
  });

  it("does not count a mix of the two prunes as a prune", () => {
    const mixed = change("prune", [
      { kind: "delete-snapshot", domain: "web", name: "nightly-20261101T0200Z" },
      { kind: "openstack-delete-snapshot", server: "web", serverId: "s-1", imageId: "i-1", imageName: "web-nightly-20261101T0200Z" },
    ]);
    expect(destructionsOf(mixed)).toEqual(["destroy"]);
  });

  it("calls an undefine followed by a define of the same domain a replacement, needing --allow-replace only", () => {
    const p = planOf(
      change("update", [
        { kind: "delete-snapshot", domain: "web", name: "nightly-20261125T0200Z" },
        { kind: "stop-domain", domain: "web", graceMs: 0 },
        { kind: "undefine-domain", domain: "web" },
        { kind: "delete-volume", domain: "web", pool: "default", volume: "web-0123456789ab.qcow2" },
        {
          kind: "create-overlay",
          domain: "web",
          pool: "default",
          volume: "web-ba9876543210.qcow2",
          backing: { volume: "tiny-ba9876543210.qcow2", format: "qcow2" },
          capacity: 1,
        },
        { kind: "define-domain", domain: "web", spec: spec("web", "web-ba9876543210.qcow2") },
      ]),
    );
    expect(destructionsOf(p.changes[0] as AnyChange)).toEqual(["replace"]);
    expect(destructiveRefusal(p, { ...none, destroy: true })).toBe(
      `Refusing to apply: it replaces instance.web (labelled "update", but it has undefine-domain, define-domain steps) (their disks are recreated): pass --allow-replace to allow that. Nothing was changed.`,
    );
    expect(destructiveRefusal(p, { ...none, replace: true })).toBeUndefined();
  });

  it("calls an undefine followed by a define of another domain a destroy", () => {
    const c = change("replace", [
      { kind: "undefine-domain", domain: "web" },
      { kind: "define-domain", domain: "web", spec: spec("other", "other-0123456789ab.qcow2") },
    ]);
    expect(destructionsOf(c)).toEqual(["destroy"]);
    expect(destructiveRefusal(planOf(c), { ...none, replace: true })).toContain("--allow-destroy");
  });

  it("does not count a change labelled 'delete' or 'replace' with only harmless steps: the label is display only", () => {
    const harmless = [
      attach,
      { kind: "start-domain" as const, domain: "web" },
      { kind: "stop-domain" as const, domain: "web", graceMs: 60_000 },
    ];
    const p = planOf(change("delete", harmless), change("replace", harmless, "instance.db"));
    expect(destructiveRefusal(p, none)).toBeUndefined();
    expect(p.changes.map(isDestructive)).toEqual([false, false]);
  });

  it("asks --allow-destroy for any volume deletion, even one a create makes before it creates that very disk again", () => {
    const volume = "web-0123456789ab.qcow2";
    const steps: AnyStep[] = [
      { kind: "delete-volume", domain: "web", pool: "default", volume },
      {
        kind: "create-overlay",
        domain: "web",
        pool: "default",
        volume,
        backing: { volume: "tiny-0123456789ab.qcow2", format: "qcow2" },
        capacity: 1,
      },
      { kind: "define-domain", domain: "web", spec: spec("web", volume) },
    ];
    expect(destructionsOf(change("create", steps))).toEqual(["destroy"]);
    expect(destructiveRefusal(planOf(change("create", steps)), none)).toContain("--allow-destroy");
  });

  it("names every change that needs each flag, all in one message", () => {
    const p = planOf(
      change("delete", [{ kind: "undefine-domain", domain: "a" }], "instance.a"),
      change("update", [attach, { kind: "delete-volume", domain: "web", pool: "default", volume: "web-x.qcow2" }]),
      change("update", [{ kind: "openstack-rebuild-server", server: "s", serverId: "s-1", imageId: "i-1", metadata: {} }], "server.s"),
    );
    expect(destructiveRefusal(p, none)).toBe(
      'Refusing to apply: it destroys instance.a, instance.web (labelled "update", but it has delete-volume steps): pass --allow-destroy to allow that; ' +
        "it rebuilds server.s (Nova recreates their disks from the image): pass --allow-rebuild to allow that. Nothing was changed.",
    );
    expect(destructiveRefusal(p, all)).toBeUndefined();
  });
});

describe("the gate on plans frost makes", () => {
  it("asks --allow-destroy for the disk a failed create left, a change of its own; the create itself needs nothing", async () => {
    const img = await imageFile("gate-a.qcow2", "gate image a");
    const desired = desiredWith(img.path, { web: {} });
    const hv = new FakeHypervisor();
    hv.failNext("define", "internal error: injected define failure");
    await applyOn(await planOn(desired, hv, { tiny: img.observation }), hv);
    const p = await planOn(desired, hv, { tiny: img.observation });
    const leftover = p.changes.find((c) => c.address.startsWith("volume."));
    expect(leftover?.steps.map((s) => s.kind)).toEqual(["delete-volume", "unmark-creating"]);
    expect(destructiveRefusal(p, none)).toContain(`it destroys ${leftover?.address}: pass --allow-destroy`);
    expect(destructiveRefusal({ ...p, changes: p.changes.filter((c) => c !== leftover) }, none)).toBeUndefined();
  });

  it("asks --allow-replace alone for an image change, and --allow-destroy alone for a removed instance with snapshots", async () => {
    const one = await imageFile("gate-b1.qcow2", "gate image b one");
    const two = await imageFile("gate-b2.qcow2", "gate image b two");
    const hv = new FakeHypervisor();
    await applyOn(await planOn(desiredWith(one.path, { web: {} }), hv, { tiny: one.observation }), hv);
    hv.withSnapshot("web", {
      name: "ondemand-20261125T020001Z",
      meta: {
        takenAt: "2026-11-25T02:00:01Z",
        consistency: "filesystem",
        quiesce: "required",
        frozenFilesystems: 1,
        frostVersion: "0.1.0",
      },
    });
    const replace = await planOn(desiredWith(two.path, { web: {} }), hv, { tiny: two.observation });
    const r = replace.changes.find((c) => c.address === "instance.web") as AnyChange;
    expect(r.steps.map((s) => s.kind)).toEqual(
      expect.arrayContaining(["delete-snapshot", "undefine-domain", "delete-volume", "define-domain"]),
    );
    expect(destructionsOf(r)).toEqual(["replace"]);
    expect(destructiveRefusal(replace, { ...none, replace: true })).toBeUndefined();
    const destroy = await planOn(desiredWith(one.path, {}), hv, { tiny: one.observation });
    const d = destroy.changes.find((c) => c.address === "instance.web") as AnyChange;
    expect(d.steps.map((s) => s.kind)).toEqual(["delete-snapshot", "stop-domain", "undefine-domain", "delete-volume"]);
    expect(destructionsOf(d)).toEqual(["destroy"]);
    expect(destructiveRefusal(destroy, { ...none, destroy: true })).toBeUndefined();
  });
});
