import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RpcConnection } from "../../reconcile/providers/libvirt/rpc/connection.js";
import { attachDevice, detachDevice, detachDeviceAlias } from "../../reconcile/providers/libvirt/rpc/devices.js";
import { blockDevices, blockInfo } from "../../reconcile/providers/libvirt/rpc/disks.js";
import * as domains from "../../reconcile/providers/libvirt/rpc/domains.js";
import { ConnectionLostError, LibvirtError } from "../../reconcile/providers/libvirt/rpc/errors.js";
import { subscribeDomainEvents, type DomainEvent } from "../../reconcile/providers/libvirt/rpc/events.js";
import { agentCommand, fsFreeze, fsThaw } from "../../reconcile/providers/libvirt/rpc/guest.js";
import { capabilities, libVersion } from "../../reconcile/providers/libvirt/rpc/host.js";
import { jobInfo } from "../../reconcile/providers/libvirt/rpc/jobs.js";
import { getMetadata, setMetadata } from "../../reconcile/providers/libvirt/rpc/metadata.js";
import { openConnection } from "../../reconcile/providers/libvirt/rpc/open.js";
import * as pools from "../../reconcile/providers/libvirt/rpc/pools.js";
import type { DomainRef } from "../../reconcile/providers/libvirt/rpc/remote-types.js";
import * as snapshots from "../../reconcile/providers/libvirt/rpc/snapshots.js";
import * as volumes from "../../reconcile/providers/libvirt/rpc/volumes.js";
import { guestShell, hookLines, lab, readGuestFile, waitForPing } from "../support/lab.js";

// frost's libvirt RPC client against the real lab's libvirtd, every wrapper checked with plain
// virsh, the independent client: what the client reads is what virsh prints, and what it changes
// virsh sees changed.
const run = promisify(execFile);

/** Plain virsh in a UTF-8 locale (names with non-ASCII letters print as they are); never throws. */
async function virsh(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("virsh", ["-c", "qemu:///system", ...args], {
      env: { ...process.env, LC_ALL: "C.UTF-8" },
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

async function virshOk(...args: string[]): Promise<string> {
  const r = await virsh(...args);
  if (r.code !== 0) throw new Error(`virsh ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

const lines = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

const GUEST = "t-rpc-g1";
/** A name with double and single quotes, spaces and non-ASCII letters: libvirt accepts it, and so must frost. */
const ODD = `t-rpc "dq" 'sq' é ü`;
const ODD_SNAPSHOT = `snap "dq" 'sq' é ü`;
const POOL = "t-rpc-pool";
const NS = "https://frost.example/rpc-test";

/** A domain that never boots an OS: enough for libvirt to define, start and snapshot (an internal snapshot of `disk`, a qcow2 file). */
function domainXml(name: string, disk?: string): string {
  const drive = disk
    ? `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${volumes.escapeXml(disk)}'/><target dev='vda' bus='virtio'/></disk>`
    : "";
  return (
    `<domain type='qemu'><name>${volumes.escapeXml(name)}</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu>` +
    `<os><type arch='x86_64'>hvm</type></os><devices>${drive}<controller type='virtio-serial' index='0'/></devices></domain>`
  );
}

let dir: string;
let c: RpcConnection;
let guest: DomainRef;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "frost-rpc-"));
  await lab("define", GUEST, "channel", "--start", "--wait-agent");
  c = await openConnection("qemu:///system");
  guest = await domains.requireDomain(c, GUEST);
});

afterAll(async () => {
  await c?.close();
  await guestShell(GUEST, "kill -CONT $(pidof qemu-ga)").catch(() => "");
  await lab("undefine", GUEST);
  for (const name of [ODD, "t-rpc-life"]) {
    await virsh("destroy", name);
    await virsh("undefine", name, "--snapshots-metadata");
  }
  await virsh("pool-destroy", POOL);
  await virsh("pool-undefine", POOL);
  await rm(dir, { recursive: true, force: true });
});

describe("libvirt RPC client on the real lab, checked with virsh", () => {
  it("opens qemu:///system over libvirtd's socket and reports the daemon's version and capabilities as virsh does", async () => {
    expect(c.transportDescription).toBe("unix socket /var/run/libvirt/libvirt-sock");
    const version = (await virshOk("version")).match(/Using library: libvirt ([\d.]+)/)?.[1];
    expect(await libVersion(c)).toBe(version);
    const caps = await capabilities(c);
    expect(caps.trimEnd()).toBe((await virshOk("capabilities")).trimEnd());
    expect(caps).toMatch(/<uuid>[0-9a-f-]{36}<\/uuid>/);
  });

  it("lists every domain with its state, as virsh does, in one call", async () => {
    const listed = await domains.listDomains(c);
    expect(listed.map((d) => d.name).sort()).toEqual(lines(await virshOk("list", "--all", "--name")).sort());
    for (const d of listed.filter((x) => x.name.startsWith("t-rpc-") || x.name.startsWith("demo-"))) {
      const state = (await virshOk("domstate", d.name)).trim();
      expect({ name: d.name, state: d.state }).toEqual({ name: d.name, state: state === "shut off" ? "shutoff" : state });
      expect(d.uuid).toBe((await virshOk("domuuid", d.name)).trim());
    }
  });

  it("reads the live and the persistent XML exactly as virsh dumpxml prints them", async () => {
    // virsh prints the XML libvirt sent, and a line break after it.
    expect(await domains.domainXml(c, guest)).toBe((await virshOk("dumpxml", GUEST)).replace(/\n$/, ""));
    expect(await domains.domainXml(c, guest, ["inactive"])).toBe((await virshOk("dumpxml", GUEST, "--inactive")).replace(/\n$/, ""));
    expect(await domains.domainState(c, guest)).toEqual({ state: "running", reason: 1 });
  });

  it("carries 50 concurrent calls on one connection, each answered with its own domain's XML", async () => {
    const names = [GUEST, ...lines(await virshOk("list", "--all", "--name")).filter((n) => n.startsWith("demo-"))];
    const refs = await Promise.all(names.map((n) => domains.requireDomain(c, n)));
    const asked = Array.from({ length: 50 }, (_, i) => refs[i % refs.length] as DomainRef);
    const xmls = await Promise.all(asked.map((d) => domains.domainXml(c, d, ["inactive"])));
    xmls.forEach((xml, i) => expect(xml).toContain(`<name>${asked[i]?.name}</name>`));
  });

  it("defines a domain named with quotes, spaces and non-ASCII letters; virsh sees it under that exact name", async () => {
    const disk = join(dir, "odd.qcow2");
    await run("qemu-img", ["create", "-q", "-f", "qcow2", disk, "16M"]);
    const dom = await domains.defineDomain(c, domainXml(ODD, disk));
    expect(dom.name).toBe(ODD);
    expect(lines(await virshOk("list", "--all", "--name"))).toContain(ODD);
    expect(await virshOk("dumpxml", ODD, "--inactive")).toContain(`<name>t-rpc &quot;dq&quot; &apos;sq&apos; é ü</name>`);
    expect((await domains.lookupDomain(c, ODD))?.uuid).toEqual(dom.uuid);
    expect(await domains.lookupDomain(c, `${ODD}x`)).toBeUndefined();
  });

  it("takes, lists, reads, redefines and deletes a snapshot named with quotes, spaces and non-ASCII letters", async () => {
    const dom = await domains.requireDomain(c, ODD);
    const name = await snapshots.createSnapshot(
      c,
      dom,
      `<domainsnapshot><name>${volumes.escapeXml(ODD_SNAPSHOT)}</name><description>first</description></domainsnapshot>`,
    );
    expect(name).toBe(ODD_SNAPSHOT);
    expect(lines(await virshOk("snapshot-list", ODD, "--name"))).toEqual([ODD_SNAPSHOT]);
    expect(await snapshots.listSnapshots(c, dom)).toEqual([ODD_SNAPSHOT]);
    const xml = await snapshots.snapshotXml(c, dom, ODD_SNAPSHOT);
    expect(xml).toBe((await virshOk("snapshot-dumpxml", ODD, ODD_SNAPSHOT)).replace(/\n$/, ""));
    await snapshots.redefineSnapshot(
      c,
      dom,
      xml.replace("<description>first</description>", "<description>second &amp; 'last'</description>"),
      true,
    );
    expect(await virshOk("snapshot-dumpxml", ODD, ODD_SNAPSHOT)).toContain("<description>second &amp; &apos;last&apos;</description>");
    expect((await virshOk("snapshot-current", ODD, "--name")).trim()).toBe(ODD_SNAPSHOT);
    await snapshots.deleteSnapshot(c, dom, ODD_SNAPSHOT);
    expect(lines(await virshOk("snapshot-list", ODD, "--name"))).toEqual([]);
  });

  it("fails with libvirt's code, domain and the words virsh prints", async () => {
    const dom = await domains.requireDomain(c, ODD);
    const error = await snapshots.snapshotXml(c, dom, "no such snapshot").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibvirtError);
    expect(error).toMatchObject({ codeName: "VIR_ERR_NO_DOMAIN_SNAPSHOT", code: 72, domain: 10, api: "virDomainSnapshotGetXMLDesc" });
    const printed = await virsh("snapshot-dumpxml", ODD, "no such snapshot");
    expect(printed.code).not.toBe(0);
    expect(printed.stderr).toContain(`error: ${(error as Error).message}`);
    const missing = await domains.requireDomain(c, "t-rpc-nowhere").catch((e: unknown) => e);
    // virsh looks a domain up by id, UUID and name, and prints a message of its own; the client has libvirt's.
    expect(missing).toMatchObject({
      codeName: "VIR_ERR_NO_DOMAIN",
      message: "Domain not found: no domain with matching name 't-rpc-nowhere'",
    });
  });

  it("sets and reads frost's metadata element, and virsh metadata shows it", async () => {
    const dom = await domains.requireDomain(c, ODD);
    expect(await getMetadata(c, dom, NS, ["config"])).toBeUndefined();
    await setMetadata(c, dom, { uri: NS, key: "rpc", xml: `<record v="1">é "quoted" &amp; 'more'</record>` }, ["config"]);
    const read = await getMetadata(c, dom, NS, ["config"]);
    expect(read).toBe((await virshOk("metadata", ODD, NS, "--config")).trim());
    expect(read).toContain("é");
    await setMetadata(c, dom, { uri: NS, key: "rpc", xml: null }, ["config"]);
    expect(await getMetadata(c, dom, NS, ["config"])).toBeUndefined();
  });

  it("attaches and detaches a device in the persistent definition, and detaches a live one by its alias", async () => {
    const dom = await domains.requireDomain(c, ODD);
    const channel = `<channel type='unix'><source mode='bind'/><target type='virtio' name='org.frost.rpc.0'/></channel>`;
    await attachDevice(c, dom, channel, ["config"]);
    expect(await virshOk("dumpxml", ODD, "--inactive")).toContain("org.frost.rpc.0");
    await detachDevice(c, dom, channel, ["config"]);
    expect(await virshOk("dumpxml", ODD, "--inactive")).not.toContain("org.frost.rpc.0");

    const live = `<channel type='unix'><source mode='bind'/><target type='virtio' name='org.frost.rpc.1'/><alias name='ua-frost-rpc'/></channel>`;
    await attachDevice(c, guest, live, ["live"]);
    expect(await virshOk("dumpxml", GUEST)).toContain("ua-frost-rpc");
    await detachDeviceAlias(c, guest, "ua-frost-rpc", ["live"]);
    for (let i = 0; i < 50 && (await virshOk("dumpxml", GUEST)).includes("ua-frost-rpc"); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await virshOk("dumpxml", GUEST)).not.toContain("ua-frost-rpc");
  });

  it("lists the disks and their sizes as virsh domblklist and domblkinfo do; no job runs, as domjobinfo says", async () => {
    const devices = await blockDevices(c, guest);
    const table = lines(await virshOk("domblklist", GUEST, "--details"))
      .slice(2)
      .map((l) => l.split(/\s+/));
    expect(devices.map((d) => [d.type, d.device, d.target, d.source ?? "-"])).toEqual(table);
    const vda = await blockInfo(c, guest, devices[0]?.target ?? "vda");
    const info = await virshOk("domblkinfo", GUEST, devices[0]?.target ?? "vda", "--human");
    expect(info).toBeTruthy();
    const bytes = await virshOk("domblkinfo", GUEST, devices[0]?.target ?? "vda");
    expect(vda.capacity).toBe(BigInt(bytes.match(/Capacity:\s+(\d+)/)?.[1] ?? "-1"));
    expect(vda.physical).toBe(BigInt(bytes.match(/Physical:\s+(\d+)/)?.[1] ?? "-1"));
    expect(await jobInfo(c, guest)).toMatchObject({ type: "none" });
    expect(await virshOk("domjobinfo", GUEST)).toMatch(/Job type:\s+None/);
  });

  it("freezes and thaws the guest's filesystems, and runs agent commands with libvirt's own timeout", async () => {
    expect(JSON.parse(await agentCommand(c, guest, '{"execute":"guest-ping"}', 5))).toEqual({ return: {} });
    const frozen = await fsFreeze(c, guest);
    try {
      expect(frozen).toBeGreaterThan(0);
      expect(JSON.parse(await virshOk("qemu-agent-command", GUEST, '{"execute":"guest-fsfreeze-status"}'))).toEqual({ return: "frozen" });
    } finally {
      expect(await fsThaw(c, guest)).toBe(frozen);
    }
    expect(JSON.parse(await virshOk("qemu-agent-command", GUEST, '{"execute":"guest-fsfreeze-status"}'))).toEqual({ return: "thawed" });
    const info = JSON.parse(await agentCommand(c, guest, '{"execute":"guest-info"}', 5)) as { return: { version: string } };
    expect(info.return.version).toBe(
      (JSON.parse(await virshOk("qemu-agent-command", GUEST, '{"execute":"guest-info"}')) as typeof info).return.version,
    );
  });

  it("takes a disk-only, atomic, quiesced snapshot of the running guest: its hook saw the freeze and the thaw", async () => {
    const before = hookLines(await readGuestFile(GUEST, "/run/fsfreeze-hook.log").catch(() => ""));
    const name = await snapshots.createSnapshot(c, guest, "<domainsnapshot><name>t-rpc-quiesced</name></domainsnapshot>", [
      "disk-only",
      "atomic",
      "quiesce",
    ]);
    expect(name).toBe("t-rpc-quiesced");
    const xml = await virshOk("snapshot-dumpxml", GUEST, name);
    expect(xml).toContain("<state>disk-snapshot</state>");
    expect(xml).toMatch(/<disk name='vda' snapshot='external'/);
    expect(hookLines(await readGuestFile(GUEST, "/run/fsfreeze-hook.log")).slice(before.length)).toEqual(["frozen", "thawed"]);
    // libvirt 9.0 cannot delete an external snapshot; its metadata can go (the overlays stay in use).
    await snapshots.deleteSnapshot(c, guest, name, ["metadata-only"]);
    expect(lines(await virshOk("snapshot-list", GUEST, "--name"))).toEqual([]);
  });

  it("a hung agent hits libvirt's own timeout and never blocks other calls on the connection", async () => {
    await guestShell(GUEST, "kill -STOP $(pidof qemu-ga)");
    try {
      const started = Date.now();
      const hung = agentCommand(c, guest, '{"execute":"guest-ping"}', 3).then(
        () => "answered",
        (e: unknown) => e,
      );
      // Meanwhile the same connection answers other calls at once.
      const during = Date.now();
      await domains.listDomains(c);
      await domains.domainXml(c, guest);
      expect(Date.now() - during).toBeLessThan(1_500);
      const error = await hung;
      const waited = Date.now() - started;
      expect(error).toBeInstanceOf(LibvirtError);
      expect((error as LibvirtError).codeName).toMatch(/^VIR_ERR_AGENT_(UNRESPONSIVE|COMMAND_TIMEOUT)$/);
      expect((error as Error).message).toMatch(/[Gg]uest agent/);
      expect(waited).toBeGreaterThanOrEqual(2_500);
      expect(waited).toBeLessThan(8_000);
      expect(c.closed).toBe(false);
    } finally {
      await guestShell(GUEST, "kill -CONT $(pidof qemu-ga)");
    }
    expect(await waitForPing(GUEST)).toBe(true);
  });

  it("defines, starts, resizes, shuts down, destroys and undefines a domain, with lifecycle events for each", async () => {
    const events: DomainEvent[] = [];
    const subscription = await subscribeDomainEvents(c, (e) => {
      if (e.domain === "t-rpc-life") events.push(e);
    });
    const waitFor = async (event: string) => {
      for (let i = 0; i < 100 && !events.some((e) => e.kind === "lifecycle" && e.event === event); i++)
        await new Promise((r) => setTimeout(r, 50));
      return events.some((e) => e.kind === "lifecycle" && e.event === event);
    };
    try {
      let dom = await domains.defineDomain(c, domainXml("t-rpc-life"), ["validate"]);
      expect(await waitFor("defined")).toBe(true);
      await domains.setMemory(c, dom, 131072, ["config"], true);
      await domains.setMemory(c, dom, 98304, ["config"]);
      await domains.setVcpus(c, dom, 2, ["config"], true);
      await domains.setVcpus(c, dom, 2, ["config"]);
      const inactive = await virshOk("dumpxml", "t-rpc-life", "--inactive");
      expect(inactive).toContain("<memory unit='KiB'>131072</memory>");
      expect(inactive).toContain("<currentMemory unit='KiB'>98304</currentMemory>");
      expect(inactive).toMatch(/<vcpu placement='static'>2<\/vcpu>/);
      dom = await domains.startDomain(c, dom);
      expect(dom.id).toBeGreaterThan(0);
      expect(await waitFor("started")).toBe(true);
      expect((await virshOk("domstate", "t-rpc-life")).trim()).toBe("running");
      await domains.shutdownDomain(c, dom);
      await domains.destroyDomain(c, dom);
      expect(await waitFor("stopped")).toBe(true);
      expect((await virshOk("domstate", "t-rpc-life")).trim()).toBe("shut off");
      await domains.undefineDomain(c, dom, ["snapshots-metadata", "managed-save"]);
      expect(await waitFor("undefined")).toBe(true);
      expect(lines(await virshOk("list", "--all", "--name"))).not.toContain("t-rpc-life");
    } finally {
      await subscription.close();
    }
  });

  it("reports the guest agent disconnecting and connecting again", async () => {
    const events: DomainEvent[] = [];
    const subscription = await subscribeDomainEvents(c, (e) => events.push(e), { domain: guest, kinds: ["agent"] });
    const seen = async (state: string) => {
      for (let i = 0; i < 300 && !events.some((e) => e.kind === "agent" && e.state === state); i++)
        await new Promise((r) => setTimeout(r, 100));
      return events.find((e) => e.kind === "agent" && e.state === state);
    };
    try {
      // The lab guest runs qemu-ga in a respawn loop: killed, it closes the port, then opens it again.
      await guestShell(GUEST, "kill $(pidof qemu-ga)");
      expect(await seen("disconnected")).toMatchObject({ kind: "agent", domain: GUEST, state: "disconnected", reason: "channel" });
      expect(await seen("connected")).toMatchObject({ kind: "agent", domain: GUEST, state: "connected" });
      expect(events.every((e) => e.domain === GUEST)).toBe(true);
    } finally {
      await subscription.close();
    }
    expect(await waitForPing(GUEST)).toBe(true);
  });

  it("defines, builds, starts and autostarts a pool; creates, uploads (as a stream), lists and deletes an oddly named volume", async () => {
    const target = join(dir, "pool");
    const pool = await pools.definePool(c, `<pool type='dir'><name>${POOL}</name><target><path>${target}</path></target></pool>`);
    await pools.buildPool(c, pool);
    await pools.startPool(c, pool);
    await pools.setPoolAutostart(c, pool, true);
    const info = await virshOk("pool-info", POOL);
    expect(info).toMatch(/State:\s+running/);
    expect(info).toMatch(/Autostart:\s+yes/);
    expect((await pools.poolInfo(c, pool)).state).toBe("running");
    expect(await pools.poolXml(c, pool)).toBe((await virshOk("pool-dumpxml", POOL)).replace(/\n$/, ""));
    expect(await pools.lookupPool(c, POOL)).toEqual(pool);
    expect(await pools.lookupPool(c, "t-rpc-nopool")).toBeUndefined();

    // More than one stream packet (256 KiB each), and not a whole number of them.
    const data = randomBytes(700_001);
    const file = join(dir, "image.raw");
    await writeFile(file, data);
    const name = `vol "dq" 'sq' é.raw`;
    const vol = await volumes.createVolume(c, pool, volumes.volumeXml({ name, capacity: data.length, format: "raw" }));
    expect(vol.name).toBe(name);
    await volumes.uploadVolume(c, vol, createReadStream(file), { timeoutMs: 60_000 });
    const path = await volumes.volumePath(c, vol);
    expect(path).toBe((await virshOk("vol-path", "--pool", POOL, name)).trim());
    expect(
      createHash("sha256")
        .update(await readFile(path))
        .digest("hex"),
    ).toBe(createHash("sha256").update(data).digest("hex"));
    expect((await volumes.volumeInfo(c, vol)).capacity).toBe(BigInt(data.length));
    await pools.refreshPool(c, pool);
    expect((await volumes.listVolumes(c, pool)).map((v) => v.name)).toEqual([name]);
    expect(await volumes.lookupVolume(c, pool, name)).toEqual(vol);
    expect(await volumes.lookupVolume(c, pool, "nothing.raw")).toBeUndefined();
    await volumes.deleteVolume(c, vol);
    expect(await volumes.listVolumes(c, pool)).toEqual([]);
  });

  it("fails a pending call with a clear error when libvirtd drops the connection", async () => {
    const own = await openConnection("qemu:///system");
    const dom = await domains.requireDomain(own, GUEST);
    await guestShell(GUEST, "kill -STOP $(pidof qemu-ga)");
    try {
      const pending = agentCommand(own, dom, '{"execute":"guest-ping"}', 30).catch((e: unknown) => e);
      // libvirtd's admin interface drops this process's newest client connection: `own`.
      const clients = lines(await run("virt-admin", ["srv-clients-list", "libvirtd"]).then((r) => r.stdout))
        .slice(2)
        .map((l) => Number(l.split(/\s+/)[0]));
      let mine: number | undefined;
      for (const id of clients) {
        const info = (await run("virt-admin", ["client-info", "libvirtd", String(id)])).stdout;
        if (new RegExp(`unix_process_id\\s*:\\s*${process.pid}\\b`).test(info)) mine = Math.max(mine ?? 0, id);
      }
      expect(mine).toBeDefined();
      const started = Date.now();
      await run("virt-admin", ["client-disconnect", "libvirtd", String(mine)]);
      const error = await pending;
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect((error as Error).message).toBe(
        "virDomainQemuAgentCommand got no answer: the libvirt connection to qemu:///system (unix socket /var/run/libvirt/libvirt-sock) " +
          "was lost: the other end closed the connection",
      );
      expect(own.closed).toBe(true);
      await expect(domains.listDomains(own)).rejects.toThrow(ConnectionLostError);
      // The other connection goes on.
      expect((await domains.domainState(c, guest)).state).toBe("running");
    } finally {
      await guestShell(GUEST, "kill -CONT $(pidof qemu-ga)");
    }
  });
});
