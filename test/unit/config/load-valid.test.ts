import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../../reconcile/config/load.js";
import { configDir, expectValid, loadYaml } from "./helpers.js";

const FIXTURES = "test/fixtures/config";

describe("a valid configuration becomes the desired state", () => {
  // The product.md example, read from a directory given as a relative path: one host named
  // `default` with its documented defaults, sizes in bytes, paths resolved against the file.
  test("single host (host:)", async () => {
    const result = await loadConfig(join(FIXTURES, "quickstart"));
    expect(result.diagnostics).toEqual([]);
    const desired = expectValid(result);
    const file = join(FIXTURES, "quickstart", "frost.yaml");
    expect(desired.files).toEqual([file]);
    expect(desired.hosts).toEqual({
      default: {
        name: "default",
        kind: "libvirt",
        uri: "qemu:///system",
        pool: "default",
        domainType: "kvm",
        apparmor: { manage: "auto", abstraction: "/etc/apparmor.d/abstractions/libvirt-qemu", rules: ["/var/lib/libvirt/qemu/*.sock rw,"] },
        compute: {},
        pos: { file, line: 2, col: 1 },
      },
    });
    const cirros = desired.images.cirros!;
    expect(cirros.source).toBe(resolve(FIXTURES, "quickstart/images/cirros-0.3.3-x86_64-disk.raw"));
    expect(cirros.format).toBe("raw");
    expect(cirros.properties).toEqual({ hw_qemu_guest_agent: "yes", os_require_quiesce: "yes" });
    expect(cirros.agent).toBe(true);
    expect(cirros.requireQuiesce).toBe(true);
    expect(cirros.fsfreezeHooks).toEqual({ "flush-db": resolve(FIXTURES, "quickstart/hooks/flush-db.sh") });

    expect(desired.instances.agent).toEqual({
      name: "agent",
      host: "default",
      image: "cirros",
      adopt: false,
      memory: 512 * 1024 * 1024,
      vcpus: 1,
      state: "running",
      protect: false,
      fsfreezeHooks: {},
      written: { memory: { file, line: 23, col: 5 }, vcpus: { file, line: 24, col: 5 } },
      pos: { file, line: 21, col: 3 },
    });
    expect(desired.instances["instance-00000007"]).toMatchObject({ adopt: true, agent: true, quiesce: "required", host: "default" });
    expect(desired.instances["instance-00000007"]?.memory).toBeUndefined();

    expect(desired.schedules.nightly).toEqual({
      name: "nightly",
      instances: ["agent", "instance-00000007"],
      cron: "0 2 * * *",
      timezone: "UTC",
      quiesce: "required",
      keep: { last: 3, daily: 7, weekly: 4, monthly: 6 },
      paused: false,
      pos: { file, line: 32, col: 3 },
    });
  });

  // A fleet: named hosts, instances placed on them, YAML booleans and numbers read as Glance
  // property values, `all` instances, restic durations, and a non-UTC timezone.
  test("fleet (hosts:)", async () => {
    const desired = expectValid(await loadConfig(join(FIXTURES, "fleet", "frost.yaml")));
    expect(Object.keys(desired.hosts)).toEqual(["kvm1", "kvm2"]);
    expect(desired.hosts.kvm1).toMatchObject({
      uri: "qemu+ssh://root@kvm1.example.net/system",
      pool: "vmpool",
      apparmor: { manage: "false" },
    });
    expect(desired.hosts.kvm2).toMatchObject({ uri: "qemu:///system", pool: "default", apparmor: { manage: "auto" } });

    const debian = desired.images.debian!;
    expect(debian.source).toBe("/srv/images/debian-12.qcow2");
    expect(debian.format).toBe("qcow2");
    expect(debian.properties).toEqual({ hw_qemu_guest_agent: "True", os_require_quiesce: "0", hw_disk_bus: "virtio" });
    expect(debian.agent).toBe(true);
    expect(debian.requireQuiesce).toBe(false);

    expect(desired.instances.db).toMatchObject({ host: "kvm1", memory: 2 * 1024 ** 3, vcpus: 4, protect: true });
    expect(desired.instances.db?.fsfreezeHooks).toEqual({ "pg-flush": resolve(FIXTURES, "fleet/hooks/pg-flush.sh") });
    expect(desired.instances.web).toMatchObject({ host: "kvm2", memory: 1024 ** 3, quiesce: "preferred" });

    expect(desired.schedules.hourly).toMatchObject({
      instances: "all",
      timezone: "Europe/Berlin",
      keep: { hourly: 24, daily: -1, within: "1y2m3d4h", withinDaily: "7d" },
      paused: true,
    });
    expect(desired.schedules.hourly?.quiesce).toBeUndefined();
  });

  // Everything optional left out: the defaults of product.md are filled in.
  test("defaults are filled in", async () => {
    const desired = expectValid(
      await loadYaml(`host: {}
images:
  img: { source: disk.raw, format: raw }
instances:
  vm: { image: img }
schedules:
  s: { instances: [vm], cron: "@daily", keep: { last: 1 } }
`),
    );
    expect(desired.hosts.default?.apparmor).toEqual({
      manage: "auto",
      abstraction: "/etc/apparmor.d/abstractions/libvirt-qemu",
      rules: ["/var/lib/libvirt/qemu/*.sock rw,"],
    });
    expect(desired.images.img).toMatchObject({ agent: false, requireQuiesce: false, properties: {}, fsfreezeHooks: {} });
    expect(desired.instances.vm).toMatchObject({ adopt: false, protect: false, fsfreezeHooks: {}, host: "default" });
    expect(desired.instances.vm?.agent).toBeUndefined();
    expect(desired.schedules.s).toMatchObject({ timezone: "UTC", paused: false });
  });

  // `manage` takes YAML booleans as well as the strings, stored as "true"/"false".
  test("apparmor manage accepts YAML booleans", async () => {
    const desired = expectValid(await loadYaml("host:\n  apparmor: { manage: true }\n"));
    expect(desired.hosts.default?.apparmor.manage).toBe("true");
  });

  // Empty sections are allowed: a config may declare just its host.
  test("a host alone, with empty sections", async () => {
    const desired = expectValid(await loadYaml("host: {}\nimages:\ninstances: {}\nschedules:\n"));
    expect(desired.images).toEqual({});
    expect(desired.instances).toEqual({});
    expect(desired.schedules).toEqual({});
  });
});

describe("a directory is merged", () => {
  // Two files, sorted by name; references cross files; each entity keeps its own file and
  // resolves its paths against its own file; non-YAML files are ignored.
  test("two files merge into one desired state", async () => {
    const dir = await configDir({
      "10-host.yaml": "host: {}\nimages:\n  img: { source: img.raw, format: raw }\n",
      "20-vms.yml":
        "instances:\n  vm: { image: img, memory: 1GiB }\nschedules:\n  s: { instances: [vm], cron: '0 3 * * *', keep: { daily: 7 } }\n",
      "README.md": "not yaml: [",
    });
    const desired = expectValid(await loadConfig(dir));
    expect(desired.files).toEqual([join(dir, "10-host.yaml"), join(dir, "20-vms.yml")]);
    expect(desired.images.img?.source).toBe(join(dir, "img.raw"));
    expect(desired.instances.vm).toMatchObject({
      image: "img",
      memory: 1024 ** 3,
      pos: { file: join(dir, "20-vms.yml"), line: 2, col: 3 },
    });
    expect(desired.schedules.s?.instances).toEqual(["vm"]);
  });

  // A fleet's hosts may be spread over several files.
  test("hosts: spread over files", async () => {
    const dir = await configDir({
      "a.yaml": "hosts:\n  h1: {}\n",
      "b.yaml": "hosts:\n  h2: {}\ninstances:\n  vm: { adopt: true, host: h2 }\n",
    });
    const desired = expectValid(await loadConfig(dir));
    expect(Object.keys(desired.hosts)).toEqual(["h1", "h2"]);
    expect(desired.instances.vm?.host).toBe("h2");
  });
});
