import { describe, expect, it } from "vitest";
import { LibvirtHypervisor } from "../../../reconcile/providers/libvirt/driver/driver.js";
import type { CommandRunner, RunResult } from "../../../reconcile/process/run.js";
import { virshCommands } from "../../support/virsh-script.js";

const UUID = "b85ca62a-4e97-428b-8b76-64ace3ce519e";
const RECORD = `<frost:record xmlns:frost="https://frost.invalid/xmlns/frost/1" version="1" createdBy="frost" disk="web-0123456789ab.qcow2" uuid="${UUID}" name="web"/>`;

/** As `dumpxml --inactive --xpath` prints the definition's nodes (libvirt 9): one after the other, children indented. */
const PERSISTENT =
  `<uuid>${UUID}</uuid>\n<memory unit="KiB">262144</memory>\n<vcpu placement="static">1</vcpu>\n<metadata>\n  ${RECORD}\n</metadata>\n` +
  `<disk type="file" device="disk">\n  <driver name="qemu" type="qcow2"/>\n  <source file="/p/web-0123456789ab.nightly-20261125T0200Z"/>\n` +
  `  <target dev="vda" bus="virtio"/>\n</disk>\n`;

/** The live disks: a chain of three images, a pool's volume, a network disk and an empty cdrom. */
const LIVE =
  `<disk type="file" device="disk">\n  <driver name="qemu" type="qcow2"/>\n  <source file="/p/web-0123456789ab.nightly-20261125T0200Z" index="3"/>\n` +
  `  <backingStore type="file" index="2">\n    <format type="qcow2"/>\n    <source file="/p/web-0123456789ab.qcow2"/>\n` +
  `    <backingStore type="file" index="1">\n      <format type="raw"/>\n      <source file="/p/tiny-ab.raw"/>\n      <backingStore/>\n` +
  `    </backingStore>\n  </backingStore>\n  <target dev="vda" bus="virtio"/>\n</disk>\n` +
  `<disk type="volume" device="disk">\n  <source pool="default" volume="data.qcow2"/>\n  <target dev="vdb" bus="virtio"/>\n</disk>\n` +
  `<disk type="network" device="disk">\n  <source protocol="nbd" name="export"/>\n  <target dev="vdc" bus="virtio"/>\n</disk>\n` +
  `<disk type="file" device="cdrom">\n  <target dev="sda" bus="sata"/>\n</disk>\n`;

const OFF = `<uuid>0f0f0f0f-0000-4000-8000-000000000000</uuid>\n<memory unit="KiB">524288</memory>\n<vcpu placement="static">2</vcpu>\n`;

/** A fake `virsh -q -c URI SCRIPT` answering dumpxml of `web` and `off` (whole documents when `noXpath`). */
function fakeVirsh(options: { noXpath?: boolean } = {}) {
  const processes: string[][][] = [];
  const answer = (words: string[]): { out: string; err?: string } => {
    const domain = words[words.indexOf("--domain") + 1];
    const inactive = words.includes("--inactive");
    const xpath = words.includes("--xpath") ? words[words.indexOf("--xpath") + 1] : undefined;
    if (xpath !== undefined && options.noXpath) return { out: "", err: "error: command 'dumpxml' doesn't support option --xpath\n" };
    const nodes = domain === "web" ? (inactive ? PERSISTENT : LIVE) : domain === "off" ? OFF : undefined;
    if (nodes === undefined) return { out: "", err: `error: failed to get domain '${domain}'\n` };
    if (xpath !== undefined) {
      expect(xpath).toBe(
        inactive ? "/domain/uuid | /domain/memory | /domain/vcpu | /domain/metadata | /domain/devices/disk" : "/domain/devices/disk",
      );
      return { out: nodes };
    }
    // A whole document: the nodes in their places.
    const disks = nodes.includes("<disk") ? nodes.slice(nodes.indexOf("<disk")) : "";
    const top = nodes.slice(0, nodes.includes("<disk") ? nodes.indexOf("<disk") : undefined);
    return { out: `<domain type="qemu">\n<name>${domain}</name>\n${top}<devices>\n${disks}</devices>\n</domain>\n` };
  };
  const runner: CommandRunner = {
    async run(_program, args): Promise<RunResult> {
      const rest = args.slice(3);
      const commands = rest.length === 1 ? virshCommands(rest[0] as string) : [[...rest]];
      processes.push(commands);
      let stdout = "";
      let stderr = "";
      for (const words of commands) {
        if (words[0] === "echo") {
          if (words[1] === "--err") stderr += `error: ${words[2]}\n`;
          else stdout += words[1];
          continue;
        }
        const r = answer(words);
        if (r.err?.includes("doesn't support option")) return { code: 1, stdout: "", stderr: r.err, timedOut: false, elapsedMs: 1 };
        stdout += r.out;
        stderr += r.err ?? "";
      }
      return { code: stderr.includes("error: ") ? 1 : 0, stdout, stderr, timedOut: false, elapsedMs: 1 };
    },
  };
  return { hv: new LibvirtHypervisor("qemu:///system", runner), processes };
}

const EXPECTED = {
  web: {
    memory: 256 * 1024 ** 2,
    vcpus: 1,
    record: { createdBy: "frost", disk: "web-0123456789ab.qcow2", uuid: UUID, name: "web" },
    uuid: UUID,
    disks: [{ target: "vda", layers: [{ file: "/p/web-0123456789ab.nightly-20261125T0200Z" }] }],
    liveDisks: [
      {
        target: "vda",
        layers: [{ file: "/p/web-0123456789ab.nightly-20261125T0200Z" }, { file: "/p/web-0123456789ab.qcow2" }, { file: "/p/tiny-ab.raw" }],
      },
      { target: "vdb", layers: [{ pool: "default", volume: "data.qcow2" }] },
    ],
  },
  off: { memory: 512 * 1024 ** 2, vcpus: 2, uuid: "0f0f0f0f-0000-4000-8000-000000000000" },
};

describe("reading every domain's definition: UUID, disks, and the running ones' live disks", () => {
  it("reads them in one batch: the persistent definition of each, the live disks of those asked for", async () => {
    const { hv, processes } = fakeVirsh();
    const definitions = await hv.observeDefinitions(["web", "off", "gone"], { live: ["web"] });
    expect(definitions).toEqual(EXPECTED);
    expect(processes).toHaveLength(1);
    expect(processes[0]?.filter((w) => w[0] === "dumpxml").map((w) => [w[2], w.includes("--inactive")])).toEqual([
      ["web", true],
      ["web", false],
      ["off", true],
      ["gone", true],
    ]);
  });

  it("reads the same from whole documents where virsh has no --xpath", async () => {
    const { hv } = fakeVirsh({ noXpath: true });
    expect(await hv.observeDefinitions(["web", "off"], { live: ["web"] })).toEqual(EXPECTED);
  });
});
