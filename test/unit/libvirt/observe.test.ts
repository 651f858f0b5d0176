import { describe, expect, it } from "vitest";
import { LibvirtHypervisor } from "../../../reconcile/providers/libvirt/driver/driver.js";
import type { CommandRunner, RunResult } from "../../../reconcile/process/run.js";
import { encodeSnapshotMeta } from "../../../reconcile/providers/libvirt/snapshots/meta.js";
import { virshCommands } from "../../support/virsh-script.js";

/** One domain of the fake host: its devices as XML elements, its snapshots (name -> description), its agent. */
interface FakeDomain {
  state: "running" | "shutoff";
  devices: string[];
  liveDevices?: string[];
  snapshots?: [string, string | undefined][];
  agent?: "ok" | "hung" | "not-connected";
  freeze?: "frozen" | "thawed";
}

const XPATH = `/domain/devices/controller[@type="virtio-serial"] | /domain/devices/channel`;
const CONTROLLER = `<controller type='virtio-serial' index='0'/>`;
const CHANNEL = `<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>`;
const LIVE_CHANNEL = `<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0' state='connected'/><alias name='channel0'/></channel>`;
const OTHER = [
  `<disk type='file' device='disk'><source file='/x.qcow2'/><backingStore type='file'><source file='/base.raw'/><backingStore/></backingStore><target dev='vda'/></disk>`,
  `<controller type='usb' model='none'/>`,
];
const META = encodeSnapshotMeta({
  takenAt: "2026-11-25T10:00:00.000Z",
  consistency: "filesystem",
  quiesce: "required",
  frozenFilesystems: 2,
  frostVersion: "0.1.0",
});

/**
 * A fake `virsh -q -c URI`: domstats, dumpxml (with --xpath, unless `noXpath`), snapshot-list,
 * snapshot-dumpxml and the agent commands, one command per process or a `;`-separated batch. A
 * hung agent makes its process run into the deadline; `fail` makes a command fail with that error.
 */
function fakeVirsh(
  domains: Record<string, FakeDomain>,
  options: { noXpath?: boolean; fail?: (words: string[]) => string | undefined } = {},
) {
  const processes: string[][][] = [];
  const one = (words: string[]): { out: string; err?: string; hang?: boolean } => {
    const failure = options.fail?.(words);
    if (failure) return { out: "", err: `error: ${failure}\n` };
    const [command, ...rest] = words;
    const arg = (name: string) => rest[rest.indexOf(name) + 1] ?? "";
    if (command === "domstats")
      return {
        out: Object.entries(domains)
          .map(([n, d]) => `Domain: '${n}'\n  state.state=${d.state === "running" ? 1 : 5}\n  state.reason=1\n\n`)
          .join(""),
      };
    const d = domains[arg("--domain")];
    if (!d) return { out: "", err: `error: failed to get domain '${arg("--domain")}'\n` };
    switch (command) {
      case "dumpxml": {
        const devices = !rest.includes("--inactive") && d.state === "running" ? (d.liveDevices ?? d.devices) : d.devices;
        if (rest.includes("--xpath")) {
          if (options.noXpath) return { out: "", err: "error: command 'dumpxml' doesn't support option --xpath\n" };
          // The persistent definition's devices; the live one's with its disks.
          const disks = !rest.includes("--inactive");
          expect(arg("--xpath")).toBe(
            `/domain/devices/controller[@type="virtio-serial"] | /domain/devices/channel${disks ? " | /domain/devices/disk" : ""}`,
          );
          const selected = (x: string) =>
            x.startsWith("<controller type='virtio-serial'") || x.startsWith("<channel") || (disks && x.startsWith("<disk"));
          return { out: [...OTHER, ...devices].filter(selected).join("\n") };
        }
        return {
          out: `<domain type='qemu'>\n  <name>${arg("--domain")}</name>\n  <devices>\n${[...OTHER, ...devices].join("\n")}\n  </devices>\n</domain>\n`,
        };
      }
      case "snapshot-list": {
        const names = (d.snapshots ?? []).map(([n]) => n);
        if (rest.includes("--name")) return { out: names.map((n) => `${n}\n`).join("") };
        // The table: a row per snapshot, control characters (and a `\` before an `x`) written `\xNN`, as virsh 9 does.
        const cells = names.map((n) => n.replace(/\\(?=x)|[\u0000-\u001f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));
        const width = Math.max(4, ...cells.map((c) => c.length));
        return { out: cells.map((c) => ` ${c.padEnd(width)}   2026-11-25 02:00:00 +0000   running\n`).join("") };
      }
      case "snapshot-dumpxml": {
        const s = (d.snapshots ?? []).find(([n]) => n === arg("--snapshotname"));
        if (!s)
          return { out: "", err: `error: Domain snapshot not found: no domain snapshot with matching name '${arg("--snapshotname")}'\n` };
        const description = s[1] !== undefined ? `<description>${s[1].replaceAll('"', "&quot;")}</description>` : "";
        return {
          out: `<domainsnapshot>\n  <name>${s[0]}</name>\n  ${description}\n  <creationTime>1795600000</creationTime>\n</domainsnapshot>\n`,
        };
      }
      case "qemu-agent-command": {
        if (d.agent === "hung") return { out: "", hang: true };
        if (d.agent !== "ok") return { out: "", err: "error: Guest agent is not responding: QEMU guest agent is not connected\n" };
        return {
          out: rest.some((w) => w.includes("guest-fsfreeze-status")) ? `{"return":"${d.freeze ?? "thawed"}"}\n` : `{"return":{}}\n`,
        };
      }
    }
    return { out: "", err: `error: unknown command: '${command}'\n` };
  };
  const runner: CommandRunner = {
    async run(program, args, options): Promise<RunResult> {
      expect(program).toBe("virsh");
      expect(args.slice(0, 3)).toEqual(["-q", "-c", "qemu:///system"]);
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
        const r = one(words);
        if (r.hang) return { code: null, stdout, stderr, timedOut: true, elapsedMs: options.timeoutMs };
        if (r.err?.includes("doesn't support option")) return { code: 1, stdout: "", stderr: r.err, timedOut: false, elapsedMs: 1 };
        stdout += r.out;
        stderr += r.err ?? "";
      }
      return { code: stderr.includes("error: ") ? 1 : 0, stdout, stderr, timedOut: false, elapsedMs: 1 };
    },
  };
  return { hv: new LibvirtHypervisor("qemu:///system", runner), processes };
}

const WORLD: Record<string, FakeDomain> = {
  run: {
    state: "running",
    devices: [CONTROLLER, CHANNEL],
    liveDevices: [CONTROLLER, LIVE_CHANNEL],
    agent: "ok",
    freeze: "frozen",
    snapshots: [
      ["nightly-20261125T0200Z", META],
      ["before-upgrade", "taken by hand"],
      ["x-20261124T0200Z", "not frost's"],
    ],
  },
  off: { state: "shutoff", devices: [CHANNEL] },
  bare: { state: "running", devices: [], agent: "ok" },
  hung: { state: "running", devices: [CONTROLLER, CHANNEL], liveDevices: [CONTROLLER, LIVE_CHANNEL], agent: "hung" },
};

/** The live disks every running domain of WORLD has (OTHER's disk, with its backing chain). */
const LIVE_DISKS = [{ target: "vda", layers: [{ file: "/x.qcow2" }, { file: "/base.raw" }] }];

const EXPECTED = {
  run: {
    name: "run",
    state: "running",
    live: { virtioSerialController: true, agentChannel: { alias: "channel0", state: "connected" }, disks: LIVE_DISKS },
    persistent: { virtioSerialController: true, agentChannel: {} },
    agent: { status: "ok", elapsedMs: 1 },
    freeze: "frozen",
    snapshots: [{ name: "nightly-20261125T0200Z", createdAt: new Date(1795600000 * 1000).toISOString(), meta: JSON.parse(META.slice(9)) }],
    foreignSnapshots: ["before-upgrade", "x-20261124T0200Z"],
  },
  off: {
    name: "off",
    state: "shutoff",
    persistent: { virtioSerialController: false, agentChannel: {} },
    agent: { status: "not-checked" },
    snapshots: [],
    foreignSnapshots: [],
  },
  bare: {
    name: "bare",
    state: "running",
    live: { virtioSerialController: false, disks: LIVE_DISKS },
    persistent: { virtioSerialController: false },
    agent: { status: "no-channel" },
    snapshots: [],
    foreignSnapshots: [],
  },
  hung: {
    name: "hung",
    state: "running",
    live: { virtioSerialController: true, agentChannel: { alias: "channel0", state: "connected" }, disks: LIVE_DISKS },
    persistent: { virtioSerialController: true, agentChannel: {} },
    agent: { status: "timeout", message: "no answer within 1000 ms", elapsedMs: 1000 },
    snapshots: [],
    foreignSnapshots: [],
  },
};

describe("observing a libvirt host in batches", () => {
  it("reads what one process per question read: devices, frost's snapshots, agents and freeze state", async () => {
    const { hv } = fakeVirsh(WORLD);
    const host = await hv.observe({ domains: ["run", "off", "bare", "hung", "missing"], ping: true, pingTimeoutMs: 1000 });
    expect(host.names).toEqual(["run", "off", "bare", "hung"]);
    expect(host.domains).toEqual(EXPECTED);
  });

  it("reads every domain when none are named", async () => {
    const { hv } = fakeVirsh(WORLD);
    expect((await hv.observe({ ping: true, pingTimeoutMs: 1000 })).domains).toEqual(EXPECTED);
  });

  it("uses a few virsh processes, and gives every agent command one of its own", async () => {
    const { hv, processes } = fakeVirsh(WORLD);
    await hv.observe({ domains: ["run", "off", "bare", "hung"], ping: true, pingTimeoutMs: 1000 });
    const agent = processes.filter((p) => p.some((w) => w[0] === "qemu-agent-command"));
    for (const p of agent) expect(p).toHaveLength(1);
    // guest-ping of run and hung (bare has no channel), guest-fsfreeze-status of run (hung did not answer)
    expect(agent).toHaveLength(3);
    // domstats, the definitions, the live XML, the frost snapshot
    expect(processes.length - agent.length).toBe(4);
  });

  it("does not ping when told not to", async () => {
    const { hv, processes } = fakeVirsh(WORLD);
    const host = await hv.observe({ domains: ["run"], ping: false });
    expect(host.domains["run"]?.agent).toEqual({ status: "not-checked" });
    expect(host.domains["run"]?.freeze).toBeUndefined();
    expect(processes.some((p) => p.some((w) => w[0] === "qemu-agent-command"))).toBe(false);
  });

  it("reads whole documents from a virsh without --xpath", async () => {
    const { hv } = fakeVirsh(WORLD, { noXpath: true });
    expect((await hv.observe({ domains: ["run", "off", "bare", "hung"], ping: true, pingTimeoutMs: 1000 })).domains).toEqual(EXPECTED);
  });

  it("leaves out a domain undefined after the listing, and a snapshot deleted after its listing", async () => {
    const { hv } = fakeVirsh(WORLD, {
      fail: (w) =>
        w[0] === "dumpxml" && w.includes("off")
          ? "failed to get domain 'off'"
          : w[0] === "snapshot-dumpxml" && w.includes("nightly-20261125T0200Z")
            ? "Domain snapshot not found: no domain snapshot with matching name 'nightly-20261125T0200Z'"
            : undefined,
    });
    const host = await hv.observe({ domains: ["run", "off"], ping: true, pingTimeoutMs: 1000 });
    expect(Object.keys(host.domains)).toEqual(["run"]);
    expect(host.domains["run"]).toMatchObject({ snapshots: [], foreignSnapshots: ["before-upgrade", "x-20261124T0200Z"] });
  });

  it("reports a domain libvirt would not let it read at that domain, with libvirt's words, and observes the others", async () => {
    const { hv } = fakeVirsh(WORLD, {
      fail: (w) => (w[0] === "snapshot-list" && w.includes("run") ? "internal error: cannot list snapshots" : undefined),
    });
    const host = await hv.observe({ domains: ["run", "off"], ping: false });
    expect(host.unreadable).toEqual({ run: "virsh snapshot-list: internal error: cannot list snapshots" });
    expect(host.domains).toEqual({ off: EXPECTED.off });
    // Only a host that cannot be listed at all fails as a whole.
    const { hv: down } = fakeVirsh(WORLD, { fail: (w) => (w[0] === "domstats" ? "failed to connect to the hypervisor" : undefined) });
    await expect(down.observe({ domains: ["run", "off"], ping: false })).rejects.toMatchObject({
      name: "HypervisorError",
      message: "failed to connect to the hypervisor",
    });
  });

  it("reads every snapshot name libvirt accepts, and only frost's shape in detail", async () => {
    const others = ["bob's-20261124T0200Z", "a b Zoë-ß", 'say "hi"', "x\nnightly-20261124T0200Z", "trail ", "-lead", "a\\x0ab", "\t"];
    const { hv, processes } = fakeVirsh({
      ...WORLD,
      run: {
        ...(WORLD["run"] as FakeDomain),
        snapshots: [["nightly-20261125T0200Z", META], ...others.map((n): [string, undefined] => [n, undefined])],
      },
    });
    const host = await hv.observe({ domains: ["run", "off"], ping: false });
    expect(host.unreadable).toBeUndefined();
    expect(host.domains["run"]?.snapshots.map((s) => s.name)).toEqual(["nightly-20261125T0200Z"]);
    expect(host.domains["run"]?.foreignSnapshots).toEqual(others);
    expect(host.domains["run"]?.problems).toBeUndefined();
    expect(host.domains["off"]).toEqual(EXPECTED.off);
    const dumped = processes.flat().filter((w) => w[0] === "snapshot-dumpxml");
    expect(dumped.map((w) => w[w.length - 1])).toEqual(["nightly-20261125T0200Z"]);
  });

  it("names a snapshot it could not read at its domain, counts it as not frost's, and observes the rest", async () => {
    const { hv } = fakeVirsh(WORLD, {
      fail: (w) =>
        w[0] === "snapshot-dumpxml" && w.includes("nightly-20261125T0200Z") ? "internal error: cannot read snapshot metadata" : undefined,
    });
    const host = await hv.observe({ domains: ["run", "off"], ping: false });
    expect(host.domains["run"]).toMatchObject({
      snapshots: [],
      foreignSnapshots: ["nightly-20261125T0200Z", "before-upgrade", "x-20261124T0200Z"],
      problems: [
        "snapshot nightly-20261125T0200Z could not be read (virsh snapshot-dumpxml: internal error: cannot read snapshot metadata); frost leaves it alone",
      ],
    });
    expect(host.domains["off"]).toEqual(EXPECTED.off);
  });

  it("reads a name virsh's parser cannot carry in a process per question, with the name as an argument of its own", async () => {
    const odd = "it's";
    const { hv, processes } = fakeVirsh({ ...WORLD, [odd]: WORLD["off"] as FakeDomain });
    const host = await hv.observe({ domains: [odd, "off"], ping: false });
    expect(host.domains[odd]).toEqual({ ...EXPECTED.off, name: odd });
    expect(host.domains["off"]).toEqual(EXPECTED.off);
    expect(processes).toContainEqual([["dumpxml", "--domain", odd, "--inactive", "--xpath", XPATH]]);
    expect(processes).toContainEqual([["snapshot-list", "--domain", odd, "--name", "--topological"]]);
    for (const p of processes.filter((p) => p.length > 1)) expect(p.flat()).not.toContain(odd);
  });
});
