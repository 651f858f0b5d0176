import { describe, expect, it } from "vitest";
import { parseBlockDevices, parseFilesystemCount, parseFreezeStatus } from "../../../reconcile/providers/libvirt/driver/command-output.js";
import { deletionRefusal } from "../../../reconcile/providers/libvirt/driver/delete-guard.js";
import { frostSnapshot } from "../../../reconcile/providers/libvirt/driver/snapshot-observe.js";
import {
  buildSnapshotXml,
  overlayPath,
  parseDomainDisks,
  parseSnapshotXml,
  replaceDescription,
} from "../../../reconcile/providers/libvirt/driver/snapshot-xml.js";
import { decodeSnapshotMeta, encodeSnapshotMeta } from "../../../reconcile/providers/libvirt/snapshots/meta.js";

// `virsh snapshot-dumpxml` of a frost snapshot on the lab (libvirt 9.0), the domain trimmed to its disks.
const D = "/var/tmp/frost-lab/domains/t";
const snapshotXml = (name: string, parent: string | undefined, below: string) => `<domainsnapshot>
  <name>${name}</name>
  <description>frost:v1 {&quot;takenAt&quot;:&quot;2026-11-25T21:43:44.201Z&quot;,&quot;consistency&quot;:&quot;filesystem&quot;,&quot;quiesce&quot;:&quot;required&quot;,&quot;frozenFilesystems&quot;:2,&quot;frostVersion&quot;:&quot;0.1.0&quot;}</description>
  <state>disk-snapshot</state>
${parent ? `  <parent>\n    <name>${parent}</name>\n  </parent>\n` : ""}  <creationTime>1795643024</creationTime>
  <memory snapshot='no'/>
  <disks>
    <disk name='vda' snapshot='external' type='file'>
      <driver type='qcow2'/>
      <source file='${D}/sys.${name}'/>
    </disk>
    <disk name='vdb' snapshot='external' type='file'>
      <driver type='qcow2'/>
      <source file='${D}/data.${name}'/>
    </disk>
  </disks>
  <domain type='qemu'>
    <name>t</name>
    <devices>
      <disk type='file' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source file='${D}/sys.${below}'/>
        <backingStore type='file'><format type='qcow2'/><source file='${D}/sys.qcow2'/><backingStore/></backingStore>
        <target dev='vda' bus='virtio'/>
      </disk>
      <disk type='file' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source file='${D}/data.${below}'/>
        <target dev='vdb' bus='virtio'/>
      </disk>
    </devices>
  </domain>
</domainsnapshot>
`;
const S1 = snapshotXml("s1", undefined, "qcow2");
const S2 = snapshotXml("s2", "s1", "s1");

describe("snapshot XML", () => {
  it("observes a frost snapshot with the overlay it put on each disk and the image below it", () => {
    expect(frostSnapshot("s2", parseSnapshotXml(S2))?.overlays).toEqual([
      { target: "vda", overlay: `${D}/sys.s2`, below: `${D}/sys.s1` },
      { target: "vdb", overlay: `${D}/data.s2`, below: `${D}/data.s1` },
    ]);
  });

  it("reads name, record, creation time, parent, overlays and the images below them", () => {
    const doc = parseSnapshotXml(S2);
    expect(doc).toMatchObject({ name: "s2", parent: "s1", creationTime: 1795643024, state: "disk-snapshot", memory: "no" });
    expect(decodeSnapshotMeta(doc.description)?.frozenFilesystems).toBe(2);
    expect(doc.disks).toEqual([
      { name: "vda", snapshot: "external", source: `${D}/sys.s2` },
      { name: "vdb", snapshot: "external", source: `${D}/data.s2` },
    ]);
    expect(doc.domainDisks).toEqual({ vda: `${D}/sys.s1`, vdb: `${D}/data.s1` });
    expect(parseSnapshotXml("<domainsnapshot><name>x</name></domainsnapshot>")).toEqual({ name: "x", disks: [], domainDisks: {} });
  });

  it("builds a disk-only external snapshot document that reads back the same", () => {
    const meta = { takenAt: "t", consistency: "crash", quiesce: "off", frozenFilesystems: 0, frostVersion: `<&>'"` } as const;
    const xml = buildSnapshotXml("ondemand-20261125T020000Z", encodeSnapshotMeta(meta), [
      { type: "file", device: "disk", target: "vda" },
      { type: "file", device: "cdrom", target: "sda" },
    ]);
    const doc = parseSnapshotXml(xml);
    expect(doc.name).toBe("ondemand-20261125T020000Z");
    expect(decodeSnapshotMeta(doc.description)).toEqual(meta);
    expect(doc.disks).toEqual([
      { name: "vda", snapshot: "external" },
      { name: "sda", snapshot: "no" },
    ]);
  });

  it("replaces only the description, keeping everything else for --redefine", () => {
    const out = replaceDescription(S2, `frost:v1 {"x":"<&>'\\""}`);
    const before = parseSnapshotXml(S2);
    const after = parseSnapshotXml(out);
    expect(after.description).toBe(`frost:v1 {"x":"<&>'\\""}`);
    expect({ ...after, description: undefined }).toEqual({ ...before, description: undefined });
    expect(out).toContain("<backingStore/>");
    const added = parseSnapshotXml(replaceDescription("<domainsnapshot><name>x</name><state>disk-snapshot</state></domainsnapshot>", "d"));
    expect(added).toMatchObject({ name: "x", description: "d", state: "disk-snapshot" });
  });
});

describe("virsh outputs", () => {
  it("reads the filesystem counts, which virsh prints only when not quiet", () => {
    expect(parseFilesystemCount("Froze 2 filesystem(s)\n\n", "Froze")).toBe(2);
    expect(parseFilesystemCount("Thawed 0 filesystem(s)\n", "Thawed")).toBe(0);
    expect(() => parseFilesystemCount("", "Froze")).toThrow(/did not say how many filesystems it froze/);
  });

  it("reads guest-fsfreeze-status and disks", () => {
    expect(parseFreezeStatus('{"return":"frozen"}\n')).toBe("frozen");
    expect(parseFreezeStatus('{"return":"thawed"}')).toBe("thawed");
    expect(parseFreezeStatus('{"error":{}}')).toBeUndefined();
    const blk =
      " Type   Device   Target   Source\n-----------------------------\n file   disk     vda      /a b/sys.qcow2\n file   cdrom    sda      -\n";
    expect(parseBlockDevices(blk)).toEqual([
      { type: "file", device: "disk", target: "vda" },
      { type: "file", device: "cdrom", target: "sda" },
    ]);
  });
});

describe("which deletions frost allows", () => {
  it("allows a snapshot whose overlays commit into its parent's overlays", () => {
    expect(deletionRefusal(parseSnapshotXml(S2), parseSnapshotXml(S1))).toBeUndefined();
  });

  it("allows the oldest of a chain: libvirt commits it into the domain's own disk, not below it", () => {
    expect(deletionRefusal(parseSnapshotXml(S1), undefined)).toBeUndefined();
  });

  it("refuses a commit into anything but the parent's overlay, and memory or internal snapshots", () => {
    const stranger = { ...parseSnapshotXml(S1), disks: [{ name: "vda", snapshot: "external", source: "/elsewhere" }] };
    expect(deletionRefusal(parseSnapshotXml(S2), stranger)).toMatch(
      `it would commit disk vda into ${D}/sys.s1, which is not the overlay of its parent snapshot s1`,
    );
    expect(deletionRefusal({ ...parseSnapshotXml(S2), memory: "internal" }, parseSnapshotXml(S1))).toMatch(/holds the guest's memory/);
    const internal = { ...parseSnapshotXml(S2), disks: [{ name: "vda", snapshot: "internal" }] };
    expect(deletionRefusal(internal, parseSnapshotXml(S1))).toMatch(/internal to vda/);
  });
});

describe("prepared overlays", () => {
  it("names each overlay as libvirt would: the image's path without its last suffix, then the snapshot name", () => {
    expect(overlayPath("/d/sys.qcow2", "s1")).toBe("/d/sys.s1");
    expect(overlayPath("/d/sys.before-upgrade", "s1")).toBe("/d/sys.s1");
    expect(overlayPath("/d.x/disk", "s1")).toBe("/d.x/disk.s1");
  });

  it("writes a prepared overlay as the disk's source, and leaves the others to libvirt", () => {
    const xml = buildSnapshotXml(
      "s1",
      "frost:v1 {}",
      [
        { type: "file", device: "disk", target: "vda" },
        { type: "file", device: "cdrom", target: "sda" },
      ],
      new Map([["vda", "/d/sys.s1"]]),
    );
    const doc = parseSnapshotXml(xml);
    expect(doc.disks).toEqual([
      { name: "vda", snapshot: "external", source: "/d/sys.s1" },
      { name: "sda", snapshot: "no" },
    ]);
    expect(xml).toMatch(/<disk name="vda" snapshot="external" type="file">\s*<driver type="qcow2"\/>\s*<source file="\/d\/sys.s1"\/>/);
  });

  it("reads a running domain's disks: type, device, target, file and format", () => {
    const xml = `<domain type='qemu'><name>t</name><devices>
      <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/d/sys.qcow2' index='2'/><backingStore/><target dev='vda' bus='virtio'/></disk>
      <disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/sdb'/><target dev='vdb' bus='virtio'/></disk>
      <disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>
    </devices></domain>`;
    expect(parseDomainDisks(xml)).toEqual([
      { type: "file", device: "disk", target: "vda", file: "/d/sys.qcow2", format: "qcow2" },
      { type: "block", device: "disk", target: "vdb", format: "raw" },
      { type: "file", device: "cdrom", target: "sda" },
    ]);
  });
});
