import { describe, expect, test } from "vitest";
import { codes, expectDiag, HOST, loadYaml } from "./helpers.js";

describe("keys are checked against the schema", () => {
  // A misspelt key is reported at the key, with the closest valid key and the list of valid keys.
  test("unknown key with did-you-mean", async () => {
    const result = await loadYaml(
      `${HOST}instances:\n  vm:\n    image: img\n    memroy: 512MiB\nimages:\n  img: { source: a.raw, format: raw }\n`,
    );
    expectDiag(
      result,
      "config.unknown-key",
      5,
      5,
      'unknown key "memroy"',
      'did you mean "memory"?',
      "valid keys in instance settings: image, adopt",
    );
    expect(result.desired).toBeUndefined();
  });

  // A key that starts like a valid one is suggested too (prefix match).
  test("unknown key suggested by prefix", async () => {
    const result = await loadYaml(`${HOST}sched: {}\n`);
    expectDiag(result, "config.unknown-key", 2, 1, 'did you mean "schedules"?');
  });

  // Nothing close: no guess, only the valid keys.
  test("unknown key with nothing close", async () => {
    const result = await loadYaml("host:\n  flavour: large\n");
    const d = expectDiag(
      result,
      "config.unknown-key",
      2,
      3,
      "valid keys in host settings: kind, uri, pool, poolPath, domainType, owner, apparmor, cloud, compute, trustNovaQuiesce",
    );
    expect(d.detail).not.toContain("did you mean");
  });

  // Unknown keys are found at every depth.
  test("unknown key nested under apparmor", async () => {
    const result = await loadYaml("host:\n  apparmor:\n    manager: auto\n");
    expectDiag(result, "config.unknown-key", 3, 5, 'did you mean "manage"?');
  });

  // A required key that is missing is reported at the name of what lacks it.
  test("missing required key", async () => {
    const result = await loadYaml(`${HOST}images:\n  img:\n    source: a.raw\n`);
    expectDiag(result, "config.missing", 3, 3, 'images.img is missing "format"', "raw or qcow2");
  });
});

describe("types are checked", () => {
  // A string where an integer is expected: reported at the value, saying expected vs got.
  test("vcpus: two", async () => {
    const result = await loadYaml(`${HOST}instances:\n  vm:\n    adopt: true\n    vcpus: two\n`);
    expectDiag(result, "config.type", 5, 12, 'instances.vm.vcpus must be an integer, not the string "two"');
  });

  // A mapping where a list (or `all`) is expected.
  test("schedule instances: {}", async () => {
    const result = await loadYaml(`${HOST}schedules:\n  s:\n    instances: {}\n    cron: "0 2 * * *"\n    keep: { last: 1 }\n`);
    expectDiag(result, "config.type", 4, 16, "must be a list of instance names, or all, not a mapping");
  });

  // A scalar where a mapping is expected.
  test("images: a scalar", async () => {
    const result = await loadYaml(`${HOST}images: cirros\n`);
    expectDiag(result, "config.type", 2, 9, "images must be a mapping of images", 'not the string "cirros"');
  });

  // An instance written with no settings at all: the type error points at its name.
  test("instance with an empty value", async () => {
    const result = await loadYaml(`${HOST}instances:\n  vm:\n`);
    expectDiag(result, "config.type", 3, 3, "instances.vm must be a mapping of instance settings", "not empty");
  });

  // YAML 1.2 reads `yes` as a string; where a boolean is expected the detail says to write true.
  test("agent: yes is a string, not a boolean", async () => {
    const result = await loadYaml(`${HOST}instances:\n  vm:\n    adopt: true\n    agent: yes\n`);
    expectDiag(result, "config.type", 5, 12, "must be true or false", "write true");
  });

  // A number where a string is expected: the detail says to quote it.
  test("uri: a number", async () => {
    const result = await loadYaml("host:\n  uri: 42\n");
    expectDiag(result, "config.type", 2, 8, "host.uri must be a string, not the number 42", 'quote it: "42"');
  });

  // A value outside an enumeration, with a guess.
  test("state: runing", async () => {
    const result = await loadYaml(`${HOST}instances:\n  vm:\n    adopt: true\n    state: runing\n`);
    expectDiag(result, "config.value", 5, 12, "must be running or stopped", 'did you mean "running"?');
  });

  // One item of a list with the wrong type is reported at the item.
  test("a number in the AppArmor rules", async () => {
    const result = await loadYaml('host:\n  apparmor:\n    rules: ["/x rw,", 5]\n');
    expectDiag(result, "config.type", 3, 23, "host.apparmor.rules[1] must be a string");
  });
});

describe("every problem is reported at once", () => {
  // One file with four distinct problems yields four diagnostics, in source order.
  test("four problems, four diagnostics", async () => {
    const result = await loadYaml(`host:
  uri: qemu:///system
images:
  img: { source: a.raw, format: vmdk }
instances:
  vm:
    image: img
    memory: 512MB
    vcpus: two
schedules:
  s: { instances: [vm], cron: "0 2 * * *", timezone: Mars/Olympus, keep: { last: 1 } }
`);
    expect(codes(result)).toEqual(["config.value", "config.size", "config.type", "config.timezone"]);
    expect(result.diagnostics.map((d) => `${d.pos?.line}:${d.pos?.col}`)).toEqual(["4:33", "8:13", "9:12", "11:54"]);
    expect(result.desired).toBeUndefined();
  });
});
