import { describe, expect, it } from "vitest";
import { describeStep, describeSteps } from "../../../reconcile/plan/describe-steps.js";
import { renderPlanText } from "../../../cmd/render/plan-text.js";
import { fixedClock } from "../../../reconcile/clock.js";
import type { AnyStep } from "../../support/steps.js";
import { plan } from "../../../reconcile/plan/plan.js";
import { DesiredBuilder, devices, observedHost, running } from "../../support/builders.js";

const MiB = 1024 ** 2;

// Every kind of step, and the line an operator reads for it.
const cases: [AnyStep, string][] = [
  [
    { kind: "attach-agent-channel", domain: "web", target: { live: true, config: false } },
    "attach the guest-agent channel to web (running domain only)",
  ],
  [
    { kind: "detach-agent-channel", domain: "web", target: { live: true, config: true }, alias: "channel0" },
    "detach the guest-agent channel channel0 from web (running domain and persistent definition)",
  ],
  [
    { kind: "take-snapshot", domain: "web", request: { name: "nightly-20261125T0200Z", schedule: "nightly", quiesce: "required" } },
    "take snapshot nightly-20261125T0200Z of web (quiesce required)",
  ],
  [{ kind: "delete-snapshot", domain: "web", name: "nightly-20261101T0200Z" }, "delete snapshot nightly-20261101T0200Z of web"],
  [{ kind: "thaw", domain: "web" }, "thaw web"],
  [
    {
      kind: "apparmor",
      change: {
        action: "update",
        abstraction: "/etc/apparmor.d/abstractions/libvirt-qemu",
        beforeDigest: "a",
        afterDigest: "b",
        rules: [],
        add: ["/var/lib/libvirt/qemu/*.sock rw,"],
        remove: [],
        reload: ["libvirt-1234"],
        enforced: true,
        lines: [],
        notes: [],
      },
    },
    'write /etc/apparmor.d/abstractions/libvirt-qemu (add "/var/lib/libvirt/qemu/*.sock rw,"), then reload 1 profile',
  ],
  [
    { kind: "write-record", domain: "web", record: { agent: true }, target: { live: false, config: true } },
    "write frost's record into the metadata of web (persistent definition only)",
  ],
  [{ kind: "create-pool", pool: "default", path: "/var/lib/frost-pool" }, "create directory pool default at /var/lib/frost-pool"],
  [
    {
      kind: "upload-image",
      pool: "default",
      volume: "tiny-ab12cd34ef56.qcow2",
      source: "/src/tiny.qcow2",
      bytes: 12 * MiB,
      digest: "sha256:ab12cd34ef56",
    },
    "upload /src/tiny.qcow2 (sha256:ab12cd34ef56, 12 MiB) as volume tiny-ab12cd34ef56.qcow2 in pool default",
  ],
  [
    {
      kind: "create-overlay",
      domain: "web",
      pool: "default",
      volume: "web-ab12cd34ef56.qcow2",
      backing: { volume: "tiny-ab12cd34ef56.qcow2", format: "qcow2" },
      capacity: 64 * MiB,
    },
    "create volume web-ab12cd34ef56.qcow2 in pool default (qcow2 on top of tiny-ab12cd34ef56.qcow2, 64 MiB)",
  ],
  [
    { kind: "delete-volume", domain: "web", pool: "default", volume: "web-ab12cd34ef56.qcow2" },
    "delete volume web-ab12cd34ef56.qcow2 in pool default",
  ],
  [
    {
      kind: "define-domain",
      domain: "web",
      spec: {
        name: "web",
        uuid: "6a1f3c2e-0000-4000-8000-00000000f00d",
        type: "qemu",
        memory: 512 * MiB,
        vcpus: 2,
        disk: { pool: "default", volume: "web-ab12cd34ef56.qcow2" },
        agentChannel: true,
        boot: { kernel: "/boot/vmlinuz" },
        record: { agent: true },
      },
    },
    "define domain web (UUID 6a1f3c2e-0000-4000-8000-00000000f00d, 512 MiB, 2 vcpus, disk web-ab12cd34ef56.qcow2 in pool default, with the guest-agent channel, boots kernel /boot/vmlinuz)",
  ],
  [
    { kind: "mark-creating", domain: "web", pool: "default", volume: "web-ab12cd34ef56.qcow2" },
    "create the empty marker volume web-ab12cd34ef56.qcow2.frost-creating in pool default (proves the disk of web is frost's until the domain is defined)",
  ],
  [
    { kind: "unmark-creating", domain: "web", pool: "default", volume: "web-ab12cd34ef56.qcow2" },
    "delete the marker volume web-ab12cd34ef56.qcow2.frost-creating in pool default (web is defined)",
  ],
  [{ kind: "start-domain", domain: "web" }, "start domain web"],
  [{ kind: "stop-domain", domain: "web", graceMs: 60_000 }, "stop domain web (guest shutdown, forced after 60 s)"],
  [{ kind: "stop-domain", domain: "web", graceMs: 0 }, "stop domain web at once (no guest shutdown)"],
  [{ kind: "undefine-domain", domain: "web" }, "undefine domain web"],
  [{ kind: "set-resources", domain: "web", memory: 1024 * MiB, vcpus: 2 }, "set memory 1 GiB, vcpus 2 in the persistent definition of web"],
  [
    { kind: "install-fsfreeze-hook", domain: "db", hook: "10-mysql", source: "/hooks/mysql.sh", sha256: "ab12", chmod: true },
    "install fsfreeze hook 10-mysql into db from /hooks/mysql.sh (sha256 ab12, executable)",
  ],
  [
    {
      kind: "openstack-upload-image",
      image: "guest",
      file: { path: "/src/guest.qcow2", digest: "sha256:ab12", bytes: 2 * MiB },
      diskFormat: "qcow2",
      properties: {},
    },
    "upload image guest to Glance from /src/guest.qcow2 (sha256:ab12, 2 MiB), disk format qcow2",
  ],
  [
    {
      kind: "openstack-patch-image",
      image: "guest",
      imageId: "i-1",
      expect: {},
      ops: [
        { op: "add", path: "/hw_qemu_guest_agent", value: "yes" },
        { op: "remove", path: "/os_require_quiesce" },
      ],
    },
    "change properties of image guest (i-1): set hw_qemu_guest_agent=yes, remove os_require_quiesce",
  ],
  [
    {
      kind: "openstack-create-server",
      server: "web",
      image: "guest",
      imageDigest: "sha256:ab12",
      flavorId: "f-1",
      networks: ["private"],
      metadata: {},
      state: "running",
    },
    "boot server web from image guest (sha256:ab12), flavor f-1, networks private",
  ],
  [
    { kind: "openstack-rebuild-server", server: "web", serverId: "s-1", imageId: "i-1", metadata: {} },
    "rebuild server web (s-1) from image i-1: its disk is recreated",
  ],
  [{ kind: "openstack-power", server: "web", serverId: "s-1", state: "stopped" }, "stop server web (s-1)"],
  [{ kind: "openstack-delete-server", server: "web", serverId: "s-1" }, "delete server web (s-1)"],
  [
    {
      kind: "openstack-snapshot",
      server: "web",
      serverId: "s-1",
      imageName: "web-nightly-20261125T0200Z",
      request: { name: "nightly-20261125T0200Z", quiesce: "required" },
      agentCheck: { uri: "qemu+ssh://cmp1/system", domain: "instance-00000007" },
    },
    "take snapshot image web-nightly-20261125T0200Z of server web (s-1) (quiesce required; guest-ping instance-00000007 on qemu+ssh://cmp1/system first)",
  ],
  [
    { kind: "openstack-delete-snapshot", server: "web", serverId: "s-1", imageId: "i-2", imageName: "web-nightly-20261101T0200Z" },
    "delete snapshot image web-nightly-20261101T0200Z (i-2) of server web",
  ],
];

describe("the steps of a change in plain words", () => {
  it.each(cases)("%j reads as an operator can check it", (step, line) => {
    expect(describeStep(step)).toBe(line);
  });

  it("covers every kind of step", () => {
    // A Record over the union: a new kind of step does not compile here until it is listed.
    const kinds: Record<AnyStep["kind"], true> = {
      "attach-agent-channel": true,
      "detach-agent-channel": true,
      "take-snapshot": true,
      "delete-snapshot": true,
      thaw: true,
      apparmor: true,
      "write-record": true,
      "create-pool": true,
      "upload-image": true,
      "create-overlay": true,
      "delete-volume": true,
      "mark-creating": true,
      "unmark-creating": true,
      "define-domain": true,
      "start-domain": true,
      "stop-domain": true,
      "undefine-domain": true,
      "set-resources": true,
      "install-fsfreeze-hook": true,
      "openstack-upload-image": true,
      "openstack-patch-image": true,
      "openstack-create-server": true,
      "openstack-rebuild-server": true,
      "openstack-power": true,
      "openstack-delete-server": true,
      "openstack-snapshot": true,
      "openstack-delete-snapshot": true,
    };
    expect(new Set(cases.map(([s]) => s.kind))).toEqual(new Set(Object.keys(kinds)));
  });

  it("says what an unknown step is rather than hiding it", () => {
    expect(describeStep({ kind: "format-disk", domain: "web" } as unknown as AnyStep)).toBe(
      'unknown step {"kind":"format-disk","domain":"web"}',
    );
  });

  it("numbers the steps in the order apply runs them", () => {
    const steps: AnyStep[] = [
      { kind: "thaw", domain: "a" },
      { kind: "start-domain", domain: "b" },
    ];
    expect(describeSteps(steps)).toEqual(["1. thaw a", "2. start domain b"]);
  });

  it("appears in the text only when asked for (frost show), never in frost plan's output", () => {
    const desired = new DesiredBuilder().adopt("web", true).build();
    const p = plan(desired, observedHost([running("web", devices({ controller: true }))]), { clock: fixedClock("2026-11-25T12:00:00Z") });
    expect(renderPlanText(p, false)).not.toContain("attach the guest-agent channel to web");
    expect(renderPlanText(p, false, { steps: true })).toContain(
      "      1. attach the guest-agent channel to web (running domain and persistent definition)\n",
    );
  });
});
