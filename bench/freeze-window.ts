/**
 * How long a guest's filesystems stay frozen, seen from inside the guest: the lab guest's fsfreeze
 * hook appends `<EPOCHREALTIME> frozen` before qemu-ga freezes and `<EPOCHREALTIME> thawed` after it
 * thaws to /run/fsfreeze-hook.log, read back through the agent after every run. Methods, interleaved
 * (each round starts with another), every snapshot deleted after its run so that chains stay short:
 *
 *   frost     the built CLI: `frost snapshot DOMAIN -c CONFIG --quiesce required` (whole process)
 *   libvirt   `virsh snapshot-create-as D s --disk-only --atomic --quiesce` (libvirt's own; Nova's)
 *   manual    `virsh domfsfreeze D`, `virsh snapshot-create-as D s --disk-only --atomic`, `virsh domfsthaw D`
 *
 * and prototypes of what frost's snapshot session could do, over one interactive virsh opened,
 * connected and with the snapshot XML written before the freeze:
 *
 *   seq       freeze, snapshot, thaw, each sent when the previous answered (what frost's session does)
 *   pipe      freeze; once it answered, `snapshot-create …; domfsthaw` on one line (no round trip
 *             between the cut and the thaw; virsh runs the thaw even when the snapshot fails)
 *   reuse     pipe, with the overlays made by qemu-img before the freeze (`--reuse-external`), so that
 *             libvirt does not create them while the guest is frozen
 *
 * Usage: node dist/bench/freeze-window.js [--runs 20] [--no-prototypes]
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { commandLine, MarkerProtocol } from "../reconcile/providers/libvirt/driver/session-protocol.js";
import {
  defineLabDomain,
  FROST,
  fmt,
  intOption,
  isMain,
  machine,
  must,
  readGuestFile,
  requireLab,
  rotate,
  run,
  summary,
  tempDir,
  URI,
  virsh,
  withCleanup,
} from "./lib.js";

const DOMAIN = "t-bench-fw";
const HOOK_LOG = "/run/fsfreeze-hook.log";

export type FreezeMethod = "frost" | "libvirt" | "manual" | "seq" | "pipe" | "reuse";

export interface FreezeResult {
  runs: number;
  /** Guest-seen window per method, ms. */
  window: Partial<Record<FreezeMethod, number[]>>;
  /** The same, per round: for paired comparisons (the lab is shared, its load varies over minutes). */
  rounds: Partial<Record<FreezeMethod, number>>[];
  /** Host wall time of the whole operation per method, ms (frost: the whole CLI process). */
  wall: Partial<Record<FreezeMethod, number[]>>;
  /** frost's own record of the window (freezeWindowMs in the snapshot's description), ms. */
  frostRecorded: number[];
  /** Prototype steps, ms from the freeze request: freeze answered, snapshot answered, thaw answered. */
  steps: Partial<Record<FreezeMethod, { froze: number[]; cut: number[]; thawed: number[] }>>;
  invalid: string[];
}

/** One interactive virsh, driven with frost's marker protocol (session-protocol.ts), for the prototypes. */
class Interactive {
  private readonly protocol = new MarkerProtocol(randomBytes(6).toString("hex"));
  private out = "";
  private err = "";
  private n = 0;
  private waiting: (() => void) | undefined;
  private readonly child = spawn("virsh", ["-c", URI], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, LC_ALL: "C", LANG: "C", TERM: "dumb", COLUMNS: "10000", INPUTRC: "/dev/null" },
  });

  constructor() {
    this.child.stdin.on("error", () => {});
    this.child.stdout.setEncoding("utf8");
    this.child.stderr.setEncoding("utf8");
    this.child.stdout.on("data", (s: string) => ((this.out += s), this.waiting?.()));
    this.child.stderr.on("data", (s: string) => ((this.err += s), this.waiting?.()));
  }

  /** Sends one line (commands joined by `; `) and waits for its reply; throws on virsh's errors. */
  async line(commands: string[][]): Promise<string> {
    const n = this.n++;
    this.child.stdin.write(this.protocol.request(n, commands.length ? commands.map(commandLine).join("; ") : undefined));
    for (;;) {
      const taken = this.protocol.take(n, this.out, this.err);
      if (taken) {
        this.out = taken.restStdout;
        this.err = taken.restStderr;
        if (taken.reply.errors.length > 0) throw new Error(taken.reply.errors.join(": "));
        return taken.reply.stdout;
      }
      await new Promise<void>((r) => (this.waiting = r));
    }
  }

  close(): void {
    this.child.stdin.end();
  }
}

interface Disk {
  target: string;
  source: string;
}

async function disks(domain: string): Promise<Disk[]> {
  const out = (await virsh("domblklist", domain, "--details")).stdout;
  return out
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w[1] === "disk" && w[3])
    .map((w) => ({ target: w[2] as string, source: w[3] as string }));
}

/** The snapshot XML of a disk-only snapshot, overlays named by libvirt or (`overlays`) given. */
function snapshotXml(name: string, devices: Disk[], overlays?: Map<string, string>): string {
  const disk = (d: Disk) =>
    overlays
      ? `<disk name='${d.target}' snapshot='external' type='file'><driver type='qcow2'/><source file='${overlays.get(d.target)}'/></disk>`
      : `<disk name='${d.target}' snapshot='external'/>`;
  return `<domainsnapshot><name>${name}</name><description>frost bench</description><disks>${devices.map(disk).join("")}</disks></domainsnapshot>\n`;
}

/** The freeze window of the one frozen/thawed pair the hook logged after `seen` lines. */
function windowOf(log: string, seen: number): { ms?: number; lines: number; problem?: string } {
  const lines = log.split("\n").filter((l) => l.trim().length > 0);
  const fresh = lines.slice(seen);
  const frozen = fresh.filter((l) => l.endsWith(" frozen"));
  const thawed = fresh.filter((l) => l.endsWith(" thawed"));
  if (frozen.length !== 1 || thawed.length !== 1)
    return { lines: lines.length, problem: `expected one frozen and one thawed line, got: ${fresh.join(" | ")}` };
  const t = (l: string) => Number(l.split(" ")[0]);
  return { ms: (t(thawed[0] as string) - t(frozen[0] as string)) * 1000, lines: lines.length };
}

export async function freezeWindow(options: { runs: number; prototypes: boolean; log?: (s: string) => void }): Promise<FreezeResult> {
  const log = options.log ?? ((s: string) => process.stderr.write(s + "\n"));
  const methods: FreezeMethod[] = options.prototypes
    ? ["frost", "libvirt", "manual", "seq", "pipe", "reuse"]
    : ["frost", "libvirt", "manual"];
  const result: FreezeResult = { runs: options.runs, window: {}, rounds: [], wall: {}, frostRecorded: [], steps: {}, invalid: [] };

  log(`freeze-window: defining ${DOMAIN} (lab guest, agent channel, running)`);
  await defineLabDomain(DOMAIN, "channel", "--start", "--wait-agent");
  const dir = await tempDir("frost-bench-freeze-");
  const config = join(dir, "frost.yaml");
  await writeFile(config, `host:\n  uri: ${URI}\ninstances:\n  ${DOMAIN}:\n    adopt: true\n    agent: true\n    quiesce: required\n`);
  const devices = await disks(DOMAIN);
  const capacity = new Map<string, string>();
  for (const d of devices)
    capacity.set(d.target, /Capacity:\s+(\d+)/.exec((await virsh("domblkinfo", DOMAIN, d.target)).stdout)?.[1] ?? "");
  let seen = windowOf(await readGuestFile(DOMAIN, HOOK_LOG).catch(() => ""), 0).lines;
  let k = 0;

  const once = async (method: FreezeMethod): Promise<void> => {
    k++;
    const name = method === "frost" ? `ondemand-${stampOf(k)}` : `b${k}`;
    let wall = 0;
    const steps = { froze: 0, cut: 0, thawed: 0 };
    let overlays: Map<string, string> | undefined;
    switch (method) {
      case "frost": {
        const r = await run(process.execPath, [FROST, "snapshot", DOMAIN, "-c", config, "--quiesce", "required"], {
          env: { FROST_STATE_DIR: join(dir, "state"), FROST_NOW: isoOf(k) },
        });
        if (r.code !== 0) throw new Error(`frost snapshot failed (${r.code}): ${r.stderr}${r.stdout}`);
        wall = r.ms;
        const xml = (await virsh("snapshot-dumpxml", DOMAIN, name)).stdout;
        const recorded = /&quot;freezeWindowMs&quot;:(\d+)|"freezeWindowMs":(\d+)/.exec(xml);
        if (recorded) result.frostRecorded.push(Number(recorded[1] ?? recorded[2]));
        break;
      }
      case "libvirt":
        wall = (await virsh("snapshot-create-as", DOMAIN, name, "--disk-only", "--atomic", "--quiesce")).ms;
        break;
      case "manual": {
        const started = performance.now();
        await virsh("domfsfreeze", DOMAIN);
        await virsh("snapshot-create-as", DOMAIN, name, "--disk-only", "--atomic");
        await virsh("domfsthaw", DOMAIN);
        wall = performance.now() - started;
        break;
      }
      default: {
        // Everything before the freeze: the session, its connection, the XML file, the overlays.
        const session = new Interactive();
        await session.line([]);
        if (method === "reuse") {
          overlays = new Map(devices.map((d) => [d.target, join(dirname(d.source), `${d.target}.${name}.qcow2`)]));
          for (const d of devices) {
            await must("qemu-img", [
              "create",
              "-q",
              "-f",
              "qcow2",
              "-u",
              "-F",
              "qcow2",
              "-b",
              d.source,
              overlays.get(d.target) as string,
              capacity.get(d.target) as string,
            ]);
          }
        }
        const file = join(dir, `${name}.xml`);
        await writeFile(file, snapshotXml(name, devices, overlays));
        const create = [
          "snapshot-create",
          "--domain",
          DOMAIN,
          "--xmlfile",
          file,
          "--disk-only",
          "--atomic",
          ...(overlays ? ["--reuse-external"] : []),
        ];
        const thaw = ["domfsthaw", "--domain", DOMAIN];
        const started = performance.now();
        await session.line([["domfsfreeze", "--domain", DOMAIN]]);
        steps.froze = performance.now() - started;
        if (method === "seq") {
          await session.line([create]);
          steps.cut = performance.now() - started;
          await session.line([thaw]);
        } else {
          await session.line([create, thaw]);
        }
        steps.thawed = performance.now() - started;
        wall = steps.thawed;
        session.close();
      }
    }
    const w = windowOf(await readGuestFile(DOMAIN, HOOK_LOG), seen);
    seen = w.lines;
    const status = (await virsh("qemu-agent-command", DOMAIN, '{"execute":"guest-fsfreeze-status"}')).stdout;
    if (!status.includes("thawed")) {
      result.invalid.push(`${method} run ${k}: guest left ${status.trim()}; thawed it`);
      await virsh("domfsthaw", DOMAIN);
    }
    await virsh("snapshot-delete", DOMAIN, name);
    for (const file of overlays?.values() ?? []) await run("rm", ["-f", file]);
    if (w.ms === undefined) {
      result.invalid.push(`${method} run ${k}: ${w.problem}`);
      return;
    }
    (result.window[method] ??= []).push(w.ms);
    (result.rounds[result.rounds.length - 1] as Partial<Record<FreezeMethod, number>>)[method] = w.ms;
    (result.wall[method] ??= []).push(wall);
    if (steps.thawed > 0) {
      const s = (result.steps[method] ??= { froze: [], cut: [], thawed: [] });
      s.froze.push(steps.froze);
      if (steps.cut > 0) s.cut.push(steps.cut);
      s.thawed.push(steps.thawed);
    }
  };

  for (let round = 0; round < options.runs; round++) {
    result.rounds.push({});
    for (const method of rotate(methods, round)) await once(method);
    log(
      `freeze-window: round ${round + 1}/${options.runs}: ${methods.map((m) => `${m} ${fmt(result.window[m]?.at(-1) ?? NaN)}`).join(", ")} ms`,
    );
  }
  const left = (await virsh("snapshot-list", DOMAIN, "--name")).stdout.trim();
  if (left) result.invalid.push(`snapshots left on ${DOMAIN}: ${left}`);
  return result;
}

/** A distinct FROST_NOW per frost run (so that the on-demand names differ), and the name frost gives it. */
const BASE = Date.parse("2030-01-01T00:00:00Z");
const isoOf = (k: number) => new Date(BASE + k * 1000).toISOString();
const stampOf = (k: number) =>
  isoOf(k)
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");

/** The median over rounds of `method`'s window divided by libvirt's in the same round. */
export function pairedRatio(r: FreezeResult, method: FreezeMethod): number {
  const ratios = r.rounds.flatMap((round) => {
    const m = round[method];
    const l = round.libvirt;
    return m !== undefined && l !== undefined ? [m / l] : [];
  });
  return summary(ratios).median;
}

export function freezeTable(r: FreezeResult): string {
  const rows = (Object.keys(r.window) as FreezeMethod[]).map((m) => {
    const w = summary(r.window[m] ?? []);
    const h = summary(r.wall[m] ?? []);
    const s = r.steps[m];
    const steps = s
      ? `${fmt(summary(s.froze).median)} / ${s.cut.length ? fmt(summary(s.cut).median) : "-"} / ${fmt(summary(s.thawed).median)}`
      : "";
    return `| ${m} | ${w.n} | ${fmt(w.median)} | ${fmt(w.p95)} | ${fmt(w.min)} | ${fmt(w.max)} | ${fmt(pairedRatio(r, m), 2)} | ${fmt(h.median)} | ${steps} |`;
  });
  const recorded = r.frostRecorded.length
    ? `\nfrost's own record of the window (host side, freeze request to thaw answer): median ${fmt(summary(r.frostRecorded).median)} ms.\n`
    : "";
  const invalid = r.invalid.length ? `\nDiscarded: ${r.invalid.join("; ")}\n` : "";
  return (
    "| method | n | guest window median (ms) | p95 | min | max | paired ratio to libvirt | host wall median (ms) | host: froze / cut / thawed (ms after the freeze request) |\n" +
    "|---|---|---|---|---|---|---|---|---|\n" +
    rows.join("\n") +
    "\n" +
    recorded +
    invalid
  );
}

if (isMain(import.meta.url)) {
  await requireLab();
  const argv = process.argv.slice(2);
  const r = await withCleanup(() => freezeWindow({ runs: intOption(argv, "runs", 20), prototypes: !argv.includes("--no-prototypes") }));
  console.log(`${await machine()}\n\n${freezeTable(r)}`);
}
