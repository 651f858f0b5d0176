import { describe, expect, test } from "vitest";
import { expectDiag, expectValid, HOST, loadYaml } from "./helpers.js";

/** One adopted-free instance `vm` with the given extra settings (indented under it), plus its image. */
function vm(settings: string): string {
  return `${HOST}images:\n  img: { source: a.raw, format: raw }\ninstances:\n  vm:\n    image: img\n${settings}`;
}
// In vm(...), the first settings line is line 7, its value at column 13 for `memory: `.

describe("memory sizes", () => {
  // Binary units are read as bytes.
  test.each([
    ["512MiB", 512 * 2 ** 20],
    ["2GiB", 2 * 2 ** 30],
    ["1048576KiB", 2 ** 30],
    ["4096B", 4096],
    ["1.5GiB", 1.5 * 2 ** 30],
  ])("%s is %d bytes", async (size, bytes) => {
    const desired = expectValid(await loadYaml(vm(`    memory: ${size}\n`)));
    expect(desired.instances.vm?.memory).toBe(bytes);
  });

  // A decimal unit is refused, suggesting the binary one.
  test("512MB suggests 512MiB", async () => {
    expectDiag(await loadYaml(vm("    memory: 512MB\n")), "config.size", 7, 13, "did you mean 512MiB?");
  });

  // An abbreviated unit likewise.
  test("2G suggests 2GiB", async () => {
    expectDiag(await loadYaml(vm("    memory: 2G\n")), "config.size", 7, 13, "did you mean 2GiB?");
  });

  // A bare number is refused: add a unit.
  test("bare number", async () => {
    expectDiag(await loadYaml(vm("    memory: 1024\n")), "config.size", 7, 13, "has no unit", "add a binary unit");
  });

  // Zero is not a size a domain can have.
  test("zero", async () => {
    expectDiag(await loadYaml(vm("    memory: 0MiB\n")), "config.size", 7, 13, "greater than zero");
  });

  // vCPUs must be in 1..4096.
  test("vcpus out of range", async () => {
    expectDiag(await loadYaml(vm("    vcpus: 0\n")), "config.range", 7, 12, "outside 1..4096");
  });
});

describe("names", () => {
  // A leading `-` would be read as an option by virsh.
  test("leading -", async () => {
    const result = await loadYaml(`${HOST}instances:\n  "-rf":\n    adopt: true\n`);
    expectDiag(result, "config.name", 3, 3, "instance name \"-rf\" starts with '-'", "read it as an option");
  });

  // A `/` would be read as a directory separator.
  test("slash", async () => {
    const result = await loadYaml(`${HOST}images:\n  a/b: { source: a.raw, format: raw }\n`);
    expectDiag(result, "config.name", 3, 3, "image name \"a/b\" contains '/'");
  });

  // A control character is shown escaped and refused.
  test("control character", async () => {
    const result = await loadYaml(`${HOST}schedules:\n  "night\\u0001ly": { instances: all, cron: "0 2 * * *", keep: { last: 1 } }\n`);
    const d = expectDiag(result, "config.name", 3, 3, "control character U+0001");
    expect(d.summary).toContain('"night\\u0001ly"');
    expect(d.summary).not.toContain("\u0001");
  });

  // Pool names follow the same rule.
  test("pool name with a space", async () => {
    const result = await loadYaml("host:\n  pool: my pool\n");
    expectDiag(result, "config.name", 2, 9, 'pool name "my pool" contains whitespace');
  });

  // Hook names become file names in the guest.
  test("hook name starting with a dot", async () => {
    const result = await loadYaml(vm("    fsfreezeHooks:\n      .hidden: hook.sh\n"));
    expectDiag(result, "config.name", 8, 7, 'fsfreeze hook name ".hidden"');
  });
});

describe("image properties", () => {
  // An invalid form of a boolean property frost acts on is an error.
  test("bad boolean property value", async () => {
    const result = await loadYaml(
      `${HOST}images:\n  img:\n    source: a.raw\n    format: raw\n    properties:\n      os_require_quiesce: maybe\n`,
    );
    expectDiag(result, "config.property-value", 7, 27, '"maybe" is not a boolean', "yes or no");
  });

  // Glance's forms are accepted in any case.
  test.each([
    ["YES", true],
    ["off", false],
    ["1", true],
    ["False", false],
  ])("hw_qemu_guest_agent: %s", async (value, agent) => {
    const desired = expectValid(
      await loadYaml(`${HOST}images:\n  img:\n    source: a.raw\n    format: raw\n    properties: { hw_qemu_guest_agent: ${value} }\n`),
    );
    expect(desired.images.img?.agent).toBe(agent);
  });

  // hw_require_fsfreeze looks plausible but Nova never implemented it: a warning, and the config is valid.
  test("hw_require_fsfreeze warns", async () => {
    const result = await loadYaml(
      `${HOST}images:\n  img:\n    source: a.raw\n    format: raw\n    properties:\n      hw_require_fsfreeze: yes\n`,
    );
    const d = expectDiag(result, "config.property-unimplemented", 7, 7, "Nova never implemented it", "os_require_quiesce");
    expect(d.severity).toBe("warning");
    expect(expectValid(result).images.img?.properties).toEqual({ hw_require_fsfreeze: "yes" });
  });

  // An unknown property is kept with a warning.
  test("unknown property warns and is kept", async () => {
    const result = await loadYaml(
      `${HOST}images:\n  img:\n    source: a.raw\n    format: raw\n    properties:\n      hw_disk_bus: virtio\n`,
    );
    expect(expectDiag(result, "config.property-unknown", 7, 7, "hw_disk_bus", "no effect").severity).toBe("warning");
    expect(expectValid(result).images.img?.properties).toEqual({ hw_disk_bus: "virtio" });
  });
});

describe("host values", () => {
  // A URI without the third slash (qemu://system) is not a libvirt URI.
  test("bad libvirt URI", async () => {
    expectDiag(await loadYaml("host:\n  uri: qemu://system\n"), "config.value", 2, 8, "not a libvirt URI", "qemu:///system");
  });

  // AppArmor rules end with a comma.
  test("AppArmor rule without comma", async () => {
    expectDiag(
      await loadYaml('host:\n  apparmor:\n    rules: ["/var/lib/libvirt/qemu/*.sock rw"]\n'),
      "config.value",
      3,
      13,
      "does not end with a comma",
    );
  });

  // The abstraction is an absolute path.
  test("relative abstraction path", async () => {
    expectDiag(
      await loadYaml("host:\n  apparmor:\n    abstraction: abstractions/libvirt-qemu\n"),
      "config.value",
      3,
      18,
      "not an absolute path",
    );
  });
});

describe("schedules", () => {
  const schedule = (settings: string) => `${HOST}schedules:\n  s:\n    instances: all\n${settings}`;

  // croner's own message is reported at the cron value.
  test("bad cron", async () => {
    const result = await loadYaml(schedule('    cron: "61 2 * * *"\n    keep: { last: 1 }\n'));
    expectDiag(result, "config.cron", 5, 11, 'invalid cron "61 2 * * *"', "minute");
  });

  // A six-field (seconds) form is refused, with the five-field form suggested.
  test("6-field cron", async () => {
    const result = await loadYaml(schedule('    cron: "0 0 2 * * *"\n    keep: { last: 1 }\n'));
    expectDiag(result, "config.cron", 5, 11, "has 6 fields; frost takes 5", 'did you mean "0 2 * * *"?');
  });

  // A cron that can never fire (30 February) is refused.
  test("cron that never fires", async () => {
    const result = await loadYaml(schedule('    cron: "0 0 30 2 *"\n    keep: { last: 1 }\n'));
    expectDiag(result, "config.cron", 5, 11, "never fires");
  });

  // An unknown time zone, with a guess.
  test("bad timezone", async () => {
    const result = await loadYaml(schedule('    cron: "0 2 * * *"\n    timezone: Europe/Berln\n    keep: { last: 1 }\n'));
    expectDiag(result, "config.timezone", 6, 15, 'unknown time zone "Europe/Berln"', "did you mean Europe/Berlin?");
  });

  // No retention at all: allowed, with a warning that every snapshot is kept.
  test("keep-empty warning", async () => {
    const result = await loadYaml(schedule('    cron: "0 2 * * *"\n'));
    const d = expectDiag(result, "config.keep-empty", 3, 3, "every snapshot it takes will be kept");
    expect(d.severity).toBe("warning");
    expect(expectValid(result).schedules.s?.keep).toEqual({});
  });

  // `keep: {}` is the same as no keep.
  test("keep: {} warns too", async () => {
    const result = await loadYaml(schedule('    cron: "0 2 * * *"\n    keep: {}\n'));
    expectDiag(result, "config.keep-empty", 6, 5, "every snapshot");
  });

  // Counts are >= 1 or -1; durations are restic's.
  test("bad keep values", async () => {
    const result = await loadYaml(schedule('    cron: "0 2 * * *"\n    keep: { daily: 0, withinWeekly: 2w }\n'));
    expectDiag(result, "config.range", 6, 20, "keep.daily is 0", "-1 to keep all");
    expectDiag(result, "config.duration", 6, 37, '"2w" is not a restic duration');
  });
});

describe("cron determinism", () => {
  // croner would replace `?` in the minute or hour with the start time: refused.
  test("? in the minute field", async () => {
    const result = await loadYaml(`${HOST}schedules:\n  s: { instances: all, cron: "? 2 * * *", keep: { last: 1 } }\n`);
    expectDiag(result, "config.cron", 3, 30, '"?" in the minute or hour field');
  });
});
