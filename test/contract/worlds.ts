import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { FakeHypervisor } from "../support/fake-libvirt/fake-hypervisor.js";
import { LibvirtHypervisor } from "../../reconcile/providers/libvirt/driver/driver.js";
import { parseSnapshotXml } from "../../reconcile/providers/libvirt/driver/snapshot-xml.js";
import type { Hypervisor } from "../../reconcile/providers/libvirt/hypervisor.js";
import { devices } from "../support/builders.js";
import { guestShell, lab, URI, virsh, waitForPing } from "../support/lab.js";

const run = promisify(execFile);

/** Where the lab keeps each domain's disks (lab/lib/common.sh). */
const LAB_DOMAINS_DIR = join(process.env["FROST_LAB_DIR"] ?? "/var/tmp/frost-lab", "domains");

/** The kinds of domain the contract cases start from (as the lab defines them). */
export type DomainKind = "controller" | "bare" | "channel";

/** One hypervisor and the means to set up a domain on it; the cases are written against this. */
export interface World {
  name: string;
  hv: Hypervisor;
  define(name: string, kind: DomainKind, options: { start: boolean; agent?: boolean }): Promise<void>;
  /** Waits until the guest agent answers (the real guest needs seconds to boot or open a new port). */
  waitForAgent(name: string): Promise<boolean>;
  remove(name: string): Promise<void>;
  /** Takes a snapshot the way an operator would, outside frost: no frost record in it. */
  foreignSnapshot(domain: string, name: string): Promise<void>;
  /** Makes the guest agent hang (SIGSTOP in the real guest) or carry on. */
  hangAgent(domain: string, hung: boolean): Promise<void>;
  /** What only the real lab can show: the guest's own view, and the files on the host. */
  lab?: LabProbes;
}

/** Probes of the real lab. */
export interface LabProbes {
  /** The guest's /run/fsfreeze-hook.log: `<epoch.micro> frozen|thawed` lines. */
  hookLog(domain: string): Promise<string>;
  /** sha256 of the disks the domain was defined with (sys.qcow2, data.qcow2), read from the host. */
  definedDisksDigest(domain: string): Promise<string>;
  /** The backing chain of the disk with target `target` (vda), from its active image down, as qemu-img sees it. */
  backingChain(domain: string, target: string): Promise<string[]>;
  /** The files in the domain's directory on the host (its disks and overlays among them), sorted. */
  files(domain: string): Promise<string[]>;
  /** Owner, group and permission bits of one file in the domain's directory. */
  owner(domain: string, file: string): Promise<{ uid: number; gid: number; mode: number }>;
  /** The overlay of each disk of a snapshot, as libvirt records it (snapshot-dumpxml), target -> path. */
  snapshotOverlays(domain: string, name: string): Promise<Record<string, string | undefined>>;
}

/** The fake, with domains built to match what the lab defines. */
export function fakeWorld(): World {
  const hv = new FakeHypervisor();
  return {
    name: "fake",
    hv,
    async define(name, kind, { start, agent = true }) {
      const d = devices({ controller: kind !== "bare", channel: kind === "channel" });
      if (d.agentChannel) d.agentChannel = {};
      const live = start ? { live: structuredClone(kind === "channel" ? { ...d, agentChannel: { alias: "channel0" } } : d) } : {};
      hv.withDomain({ name, state: start ? "running" : "shutoff", persistent: d, agent: agent ? "running" : "absent", ...live });
    },
    waitForAgent: async () => true,
    remove: async () => {},
    async foreignSnapshot(domain, name) {
      hv.withSnapshot(domain, { name });
    },
    async hangAgent(domain, hung) {
      const d = hv.domain(domain);
      if (d) d.agent = hung ? "hung" : "running";
    },
  };
}

/** Real libvirt in the lab, through frost's driver; domains are defined by the lab script. */
export function libvirtWorld(): World {
  return {
    name: "libvirt",
    hv: new LibvirtHypervisor(URI),
    async define(name, kind, { start, agent = true }) {
      await lab("define", name, kind, ...(start ? ["--start"] : []), ...(agent ? [] : ["--no-agent"]));
    },
    waitForAgent: (name) => waitForPing(name, 90_000),
    async remove(name) {
      await lab("undefine", name);
    },
    async foreignSnapshot(domain, name) {
      const r = await virsh("snapshot-create-as", "--domain", domain, "--name", name, "--disk-only", "--atomic");
      if (r.code !== 0) throw new Error(`snapshot-create-as ${domain} ${name} failed: ${r.stderr}`);
    },
    async hangAgent(domain, hung) {
      await guestShell(domain, `kill -${hung ? "STOP" : "CONT"} $(pidof qemu-ga)`);
    },
    lab: {
      hookLog: (domain) => guestShell(domain, "cat /run/fsfreeze-hook.log 2>/dev/null; true"),
      async definedDisksDigest(domain) {
        const hash = createHash("sha256");
        for (const disk of ["sys.qcow2", "data.qcow2"]) hash.update(await readFile(join(LAB_DOMAINS_DIR, domain, disk)));
        return hash.digest("hex");
      },
      async backingChain(domain, target) {
        const blk = await virsh("domblklist", domain);
        const line = blk.stdout.split("\n").find((l) => l.trim().split(/\s+/)[0] === target);
        const top = line?.trim().split(/\s+/).slice(1).join(" ");
        if (!top) throw new Error(`no disk ${target} in ${domain}: ${blk.stdout}`);
        const { stdout } = await run("qemu-img", ["info", "--backing-chain", "-U", "--output=json", top]);
        return (JSON.parse(stdout) as { filename: string }[]).map((i) => i.filename);
      },
      async files(domain) {
        return (await readdir(join(LAB_DOMAINS_DIR, domain))).sort();
      },
      async owner(domain, file) {
        const s = await stat(join(LAB_DOMAINS_DIR, domain, file));
        return { uid: s.uid, gid: s.gid, mode: s.mode & 0o7777 };
      },
      async snapshotOverlays(domain, name) {
        const r = await virsh("snapshot-dumpxml", domain, name);
        if (r.code !== 0) throw new Error(`snapshot-dumpxml ${domain} ${name} failed: ${r.stderr}`);
        return Object.fromEntries(parseSnapshotXml(r.stdout).disks.map((d) => [d.name, d.source]));
      },
    },
  };
}
