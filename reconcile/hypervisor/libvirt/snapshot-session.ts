import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeSnapshotMeta } from "../../snapshots/meta.js";
import { HypervisorError, type AgentProbe, type SnapshotMeta, type SnapshotSession } from "../types.js";
import { classifyAgentError } from "./agent-errors.js";
import { parseBlockDevices, parseFilesystemCount, type BlockDevice } from "./command-output.js";
import { buildSnapshotXml, replaceDescription } from "./snapshot-xml.js";
import { VirshSession, type SessionSpawner } from "./virsh-session.js";

/** Deadline of starting virsh, connecting and listing the disks, before any freeze. */
const OPEN_TIMEOUT_MS = 30_000;

/** Step timings in milliseconds, for measurement (the last call of each step). */
export type SessionTimings = Partial<Record<"open" | "ping" | "freeze" | "createSnapshot" | "thaw" | "recordMeta", number>>;

/**
 * A snapshot session over one interactive virsh process (see virsh-session.ts): connected and with
 * the domain's disks listed before any freeze, so that the freeze window holds only the freeze
 * answer, the snapshot cut and the thaw request. The snapshot XML goes to a private temp directory
 * made at open (writing a few hundred bytes there costs well under a millisecond).
 */
export class LibvirtSnapshotSession implements SnapshotSession {
  readonly timings: SessionTimings = {};
  private closed = false;

  private constructor(
    private virsh: VirshSession,
    private readonly uri: string,
    private readonly domain: string,
    private readonly dir: string,
    private readonly devices: BlockDevice[],
    private readonly spawner: SessionSpawner | undefined,
  ) {}

  static async open(uri: string, domain: string, spawner?: SessionSpawner): Promise<LibvirtSnapshotSession> {
    const started = performance.now();
    const dir = await mkdtemp(join(tmpdir(), "frost-snapshot-"));
    let virsh: VirshSession | undefined;
    try {
      virsh = await VirshSession.open(uri, domain, OPEN_TIMEOUT_MS, { ...(spawner ? { spawner } : {}), env: { XDG_CACHE_HOME: dir } });
      const devices = parseBlockDevices(await virsh.run(["domblklist", "--domain", domain, "--details"], "domblklist", OPEN_TIMEOUT_MS));
      const session = new LibvirtSnapshotSession(virsh, uri, domain, dir, devices, spawner);
      session.timings.open = performance.now() - started;
      return session;
    } catch (e) {
      virsh?.kill();
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  get alive(): boolean {
    return this.virsh.alive;
  }

  /**
   * guest-ping within `timeoutMs`. A hung agent keeps libvirt busy ~5 s whatever `--timeout`
   * says, so at the deadline the blocked virsh is killed and a fresh one started: the session
   * stays usable (for a crash-consistent snapshot, say) and the probe says `timeout`.
   */
  async ping(timeoutMs: number): Promise<AgentProbe> {
    const started = performance.now();
    const seconds = String(Math.max(1, Math.floor(timeoutMs / 1000)));
    try {
      const reply = await this.virsh.call(
        ["qemu-agent-command", "--domain", this.domain, "--timeout", seconds, '{"execute":"guest-ping"}'],
        "ping",
        timeoutMs,
      );
      const elapsedMs = Math.round((this.timings.ping = performance.now() - started));
      if (reply.errors.length === 0 && reply.ran) return { status: "ok", elapsedMs };
      const message = reply.errors.join(": ") || "virsh could not run qemu-agent-command";
      return { status: classifyAgentError(message), message, elapsedMs };
    } catch (e) {
      if (this.virsh.alive || this.closed) throw e;
      const elapsedMs = Math.round((this.timings.ping = performance.now() - started));
      this.virsh = await VirshSession.open(this.uri, this.domain, OPEN_TIMEOUT_MS, {
        ...(this.spawner ? { spawner: this.spawner } : {}),
        env: { XDG_CACHE_HOME: this.dir },
      });
      return { status: "timeout", message: `no answer within ${timeoutMs} ms`, elapsedMs };
    }
  }

  async freeze(timeoutMs: number): Promise<number> {
    return this.timed("freeze", async () =>
      parseFilesystemCount(await this.virsh.run(["domfsfreeze", "--domain", this.domain], "freeze", timeoutMs), "Froze"),
    );
  }

  async createSnapshot(name: string, meta: SnapshotMeta, timeoutMs: number): Promise<void> {
    await this.timed("createSnapshot", async () => {
      const file = await this.writeXml(buildSnapshotXml(name, encodeSnapshotMeta(meta), this.devices));
      await this.virsh.run(
        ["snapshot-create", "--domain", this.domain, "--xmlfile", file, "--disk-only", "--atomic"],
        "createSnapshot",
        timeoutMs,
      );
    });
  }

  async thaw(timeoutMs: number): Promise<number> {
    return this.timed("thaw", async () =>
      parseFilesystemCount(await this.virsh.run(["domfsthaw", "--domain", this.domain], "thaw", timeoutMs), "Thawed"),
    );
  }

  /** Rewrites the description through `snapshot-create --redefine --current`: the disks and the current snapshot stay as they are. */
  async recordMeta(name: string, meta: SnapshotMeta, timeoutMs: number): Promise<void> {
    await this.timed("recordMeta", async () => {
      const deadline = performance.now() + timeoutMs;
      const left = () => Math.max(1, Math.round(deadline - performance.now()));
      const xml = await this.virsh.run(["snapshot-dumpxml", "--domain", this.domain, "--snapshotname", name], "recordMeta", left());
      const file = await this.writeXml(replaceDescription(xml, encodeSnapshotMeta(meta)));
      await this.virsh.run(
        ["snapshot-create", "--domain", this.domain, "--xmlfile", file, "--redefine", "--current"],
        "recordMeta",
        left(),
      );
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.virsh.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async writeXml(xml: string): Promise<string> {
    const file = join(this.dir, "snapshot.xml");
    await writeFile(file, xml, { mode: 0o600 });
    return file;
  }

  private async timed<T>(step: keyof SessionTimings, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } catch (e) {
      throw asHypervisorError(e, step, this.domain);
    } finally {
      this.timings[step] = performance.now() - started;
    }
  }
}

/** Re-throws anything that is not already a HypervisorError as one, naming the step. */
export function asHypervisorError(e: unknown, step: string, domain: string): HypervisorError {
  return e instanceof HypervisorError ? e : new HypervisorError((e as Error).message, step, domain);
}
