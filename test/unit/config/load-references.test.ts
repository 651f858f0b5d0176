import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../../reconcile/config/load.js";
import { codes, configDir, expectDiag, HOST, loadYaml } from "./helpers.js";

const IMG = "images:\n  img: { source: a.raw, format: raw }\n";

describe("references", () => {
  // An instance's image must be declared; the closest name is suggested.
  test("undefined image", async () => {
    const result = await loadYaml(`${HOST}${IMG}instances:\n  vm: { image: imgg }\n`);
    expectDiag(result, "config.undefined-reference", 5, 16, 'image "imgg" is not defined', 'did you mean "img"?', "images:");
  });

  // A schedule may only name declared instances.
  test("undefined instance in a schedule", async () => {
    const result = await loadYaml(`${HOST}schedules:\n  s: { instances: [ghost], cron: "0 2 * * *", keep: { last: 1 } }\n`);
    expectDiag(
      result,
      "config.undefined-reference",
      3,
      20,
      'schedules.s.instances[0]: instance "ghost" is not defined',
      "there are none yet",
    );
  });

  // In a fleet, an instance's host must be one of the named hosts.
  test("undefined host", async () => {
    const result = await loadYaml("hosts:\n  kvm1: {}\ninstances:\n  vm: { adopt: true, host: kvm2 }\n");
    expectDiag(result, "config.undefined-reference", 4, 28, 'host "kvm2" is not defined', "kvm1");
  });

  // In a fleet, every instance names its host.
  test("fleet instance without host", async () => {
    const result = await loadYaml("hosts:\n  kvm1: {}\ninstances:\n  vm: { adopt: true }\n");
    expectDiag(result, "config.missing", 4, 3, "does not say which host", "kvm1");
  });

  // With a single `host:`, instances do not name a host.
  test("instance host with single host:", async () => {
    const result = await loadYaml(`${HOST}instances:\n  vm: { adopt: true, host: default }\n`);
    expectDiag(result, "config.conflict", 3, 28, "names its host only in a fleet (hosts:)");
  });
});

describe("host: and hosts:", () => {
  // Both in one file: reported at the second.
  test("host and hosts in one file", async () => {
    const result = await loadYaml("host: {}\nhosts:\n  kvm1: {}\n");
    expectDiag(result, "config.conflict", 2, 1, "hosts: cannot be combined with host:", "host: is declared at");
    expect(codes(result)).toEqual(["config.conflict"]);
  });

  // Neither: one error, at the start of the first file.
  test("neither host nor hosts", async () => {
    const result = await loadYaml(IMG);
    expectDiag(result, "config.missing", 1, 1, "no host is declared", "add host:");
  });

  // host: in one file and hosts: in another.
  test("host and hosts in different files", async () => {
    const dir = await configDir({ "a.yaml": "host: {}\n", "b.yaml": "hosts:\n  kvm1: {}\n" });
    const result = await loadConfig(dir);
    const d = expectDiag(result, "config.conflict", 1, 1, "hosts: cannot be combined with host:");
    expect(d.pos?.file).toBe(join(dir, "b.yaml"));
    expect(d.detail).toContain(`${join(dir, "a.yaml")}:1:1`);
  });

  // host: declared in two files.
  test("host: twice", async () => {
    const dir = await configDir({ "a.yaml": "host: {}\n", "b.yaml": "\nhost: {}\n" });
    const result = await loadConfig(dir);
    const d = expectDiag(result, "config.duplicate-name", 2, 1, "host: is declared a second time", "hosts:");
    expect(d.pos?.file).toBe(join(dir, "b.yaml"));
    expect(d.detail).toContain(`${join(dir, "a.yaml")}:1:1`);
  });
});

describe("merging files", () => {
  // The same name in two files: an error at the second, whose detail names the first.
  test("duplicate name across two files", async () => {
    const dir = await configDir({
      "a.yaml": `${HOST}${IMG}`,
      "b.yaml": "images:\n  other: { source: b.raw, format: raw }\n  img: { source: c.raw, format: qcow2 }\n",
    });
    const result = await loadConfig(dir);
    const d = expectDiag(result, "config.duplicate-name", 3, 3, 'image "img" is defined twice');
    expect(d.pos?.file).toBe(join(dir, "b.yaml"));
    expect(d.detail).toContain(`first defined at ${join(dir, "a.yaml")}:3:3`);
    expect(result.desired).toBeUndefined();
  });

  // Names are unique per kind: an image and an instance may share a name.
  test("same name, different kinds", async () => {
    const result = await loadYaml(`${HOST}images:\n  web: { source: a.raw, format: raw }\ninstances:\n  web: { image: web }\n`);
    expect(result.desired?.instances.web?.image).toBe("web");
  });
});

describe("instances: image or adopt", () => {
  // Both image and adopt: true.
  test("image and adopt", async () => {
    const result = await loadYaml(`${HOST}${IMG}instances:\n  vm:\n    image: img\n    adopt: true\n`);
    expectDiag(result, "config.conflict", 7, 12, "has both image: and adopt: true");
  });

  // Neither image nor adopt.
  test("neither image nor adopt", async () => {
    const result = await loadYaml(`${HOST}instances:\n  vm:\n    vcpus: 2\n`);
    expectDiag(result, "config.missing", 3, 3, "has neither image: nor adopt: true");
  });

  // frost does not manage the memory or vCPUs of an adopted domain.
  test("memory and vcpus on an adopted instance", async () => {
    const result = await loadYaml(`${HOST}instances:\n  vm:\n    adopt: true\n    memory: 1GiB\n    vcpus: 2\n`);
    expectDiag(result, "config.conflict", 5, 5, "memory does not apply to an adopted instance");
    expectDiag(result, "config.conflict", 6, 5, "vcpus does not apply to an adopted instance");
  });
});

describe("quiesce needs the agent", () => {
  // Turning the agent off while requiring quiesce could never produce a snapshot.
  test("agent: false with quiesce: required", async () => {
    const result = await loadYaml(`${HOST}instances:\n  vm: { adopt: true, agent: false, quiesce: required }\n`);
    expectDiag(result, "config.conflict", 3, 3, "requires quiesced snapshots but turns the guest agent off");
  });

  // quiesce: off contradicts an image that requires quiesce.
  test("quiesce: off on an image with os_require_quiesce", async () => {
    const result = await loadYaml(
      `${HOST}images:\n  img: { source: a.raw, format: raw, properties: { os_require_quiesce: yes } }\ninstances:\n  vm: { image: img, quiesce: off }\n`,
    );
    expectDiag(result, "config.conflict", 5, 3, "quiesce: off", "os_require_quiesce");
  });
});

describe("an empty fleet", () => {
  // hosts: with no host in it is refused.
  test("hosts: {}", async () => {
    const result = await loadYaml("hosts: {}\n");
    expectDiag(result, "config.missing", 1, 1, "hosts: names no host");
  });
});
