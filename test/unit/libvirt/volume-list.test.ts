import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LibvirtHypervisor } from "../../../reconcile/providers/libvirt/driver/driver.js";
import { parseVolumeList, tableCell } from "../../../reconcile/providers/libvirt/driver/volume-list.js";
import type { CommandRunner } from "../../../reconcile/process/run.js";

// What virsh 9 printed on the lab for volumes of awkward names (see the README there).
const FIXTURES = new URL("../../fixtures/virsh-names/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), "utf8");
const POOL = "/var/tmp/t-nm-exp/pool";

describe("reading a pool's volume names", () => {
  it("reads every name exactly from virsh in C.UTF-8, trailing and leading spaces, tabs and line breaks included", () => {
    expect(parseVolumeList(fixture("vol-list.C.UTF-8.txt"), POOL)).toEqual({
      names: [
        " lead",
        "-lead",
        "cirros-0123456789ab.raw junk",
        "v-a\tb",
        "v-a\nb",
        "v-a b",
        "v-a\\b",
        "v-a\\x0ab",
        "v-bob's",
        'v-say"hi"',
        "v-trail",
        "v-trail ",
        "v-Zoë-ß",
        "web-0123456789ab.qcow2",
      ],
      unreadable: [],
    });
  });

  it("never takes part of a name for a volume: `cirros-0123456789ab.raw junk` is not cirros-0123456789ab.raw", () => {
    const { names } = parseVolumeList(fixture("vol-list.C.UTF-8.txt"), POOL);
    expect(names).not.toContain("cirros-0123456789ab.raw");
    expect(names.filter((n) => n === "v-trail")).toHaveLength(1);
  });

  it("reports the rows whose name virsh lost (non-ASCII letters in the C locale) instead of guessing", () => {
    const { names, unreadable } = parseVolumeList(fixture("vol-list.C.txt"), POOL);
    expect(names).toHaveLength(13);
    expect(unreadable.map((r) => r.trim())).toEqual([`v-Zo\\xff\\xff-\\xff\\xff          ${POOL}/v-Zo\\xff\\xff-\\xff\\xff`]);
  });

  it("reports a row whose path does not end with its name (a pool that does not keep volumes as files of its directory)", () => {
    const row = " unit:0:0:1   /dev/disk/by-path/ip-192.0.2.1:3260-iscsi-iqn.2026-11.example:t-lun-1";
    expect(parseVolumeList(`${row}\n web-0123456789ab.qcow2   /dev/disk/by-path/web-0123456789ab.qcow2\n`, "/dev/disk/by-path")).toEqual({
      names: ["web-0123456789ab.qcow2"],
      unreadable: [row],
    });
  });

  it("writes a pool path as virsh writes a table cell", () => {
    expect(tableCell("/srv/a\\x b\tc")).toBe("/srv/a\\x5cx b\\x09c");
  });

  it("observes a pool's volumes with virsh in C.UTF-8, and says which rows it could not read", async () => {
    const locales: Record<string, string | undefined> = {};
    const runner: CommandRunner = {
      async run(_program, args, options) {
        const command = args[3] ?? "";
        locales[command] = options.env?.["LC_ALL"];
        const stdout =
          command === "pool-info"
            ? "Name:           default\nState:          running\n"
            : command === "pool-dumpxml"
              ? `<pool type='dir'><name>default</name><target><path>${POOL}</path></target></pool>\n`
              : `${fixture("vol-list.C.UTF-8.txt")} unit:0:0:1   /dev/disk/by-path/lun-1\n`;
        return { code: 0, stdout, stderr: "", timedOut: false, elapsedMs: 1 };
      },
    };
    const pool = await new LibvirtHypervisor("qemu:///system", runner).observePool("default");
    expect(locales).toEqual({ "pool-info": "C", "pool-dumpxml": "C", "vol-list": "C.UTF-8" });
    expect(pool?.volumes).toContain("v-Zoë-ß");
    expect(pool?.volumes).toContain("web-0123456789ab.qcow2");
    expect(pool?.volumes).not.toContain("cirros-0123456789ab.raw");
    expect(pool?.unreadable).toEqual([" unit:0:0:1   /dev/disk/by-path/lun-1"]);
  });
});
