import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandRunner, Processes, SessionSpawner } from "../../../process/run.js";
import { decodeSnapshotMeta } from "../snapshots/meta.js";
import {
  type DeviceTarget,
  HypervisorError,
  type AgentProbe,
  type DomainDefinition,
  type DomainSpec,
  type ObservedPool,
  type AgentReadiness,
  type HookInstall,
  type HookInstalled,
  type Hypervisor,
  type ObserveOptions,
  type ObservedHost,
  type OverlaySettlement,
  type ReadinessOptions,
  type SnapshotSession,
} from "../hypervisor.js";
import { classifyAgentError } from "./agent-errors.js";
import { parseFilesystemCount } from "./command-output.js";
import { deletionRefusal } from "./delete-guard.js";
import { SessionGuestAgent } from "./guest-agent.js";
import { installHook } from "./hook-install.js";
import { readReadiness } from "./readiness.js";
import { AGENT_CHANNEL_XML, parseDomainDevices } from "./domain-xml.js";
import { observeHost } from "./observe.js";
import { parseHostUuid } from "./capabilities.js";
import { settleOverlays } from "./overlay-settle.js";
import { readDefinitions } from "./definition-observe.js";
import * as lifecycle from "./domain-lifecycle.js";
import * as storage from "./storage.js";
import { recordXml } from "./domain-definition.js";
import { FROST_METADATA_KEY, FROST_METADATA_NS, type FrostRecord } from "../frost-record.js";
import { readSnapshot } from "./snapshot-observe.js";
import { LibvirtSnapshotSession } from "./snapshot-session.js";
import { Virsh, virshError } from "./virsh.js";

/** How long a live detach may take before frost says the guest has not released the device. */
const DETACH_WAIT_MS = 15_000;

/** Deadline of one snapshot deletion: libvirt commits the overlay, which takes as long as it is large. */
const DELETE_TIMEOUT_MS = 30 * 60_000;

/** The real hypervisor: libvirt through `virsh -c URI`. */
export class LibvirtHypervisor implements Hypervisor {
  private readonly virsh: Virsh;
  private uuid: Promise<string | undefined> | undefined;

  private readonly runner: CommandRunner | undefined;
  private readonly spawner: SessionSpawner | undefined;

  /** `processes`: how virsh is started (tests pass a runner alone; sessions are then real). */
  constructor(
    readonly uri: string,
    processes?: CommandRunner & Partial<Pick<Processes, "session">>,
  ) {
    this.runner = processes;
    this.spawner = processes?.session;
    this.virsh = new Virsh(uri, processes);
  }

  /** `capabilities`' `<host><uuid>`, once per instance (a failed read is tried again next time). */
  hostUuid(): Promise<string | undefined> {
    this.uuid ??= this.virsh.run(["capabilities"]).then(parseHostUuid);
    this.uuid.catch(() => (this.uuid = undefined));
    return this.uuid;
  }

  observe(options: ObserveOptions): Promise<ObservedHost> {
    return observeHost(this.virsh, options, (d, t) => this.pingAgent(d, t));
  }

  observeDefinitions(domains: readonly string[], options?: { live?: readonly string[] }): Promise<Record<string, DomainDefinition>> {
    return readDefinitions(this.virsh, domains, options);
  }

  observePool(pool: string): Promise<ObservedPool | undefined> {
    return storage.observePool(this.virsh, pool);
  }

  createPool(pool: string, path: string): Promise<void> {
    return storage.createPool(this.virsh, pool, path);
  }

  uploadVolume(pool: string, volume: string, source: string, bytes: number): Promise<void> {
    return storage.uploadVolume(this.virsh, pool, volume, source, bytes);
  }

  createOverlay(pool: string, volume: string, backing: { volume: string; format: "raw" | "qcow2" }, capacity: number): Promise<void> {
    return storage.createOverlay(this.virsh, pool, volume, backing, capacity);
  }

  deleteVolume(pool: string, volume: string): Promise<void> {
    return storage.deleteVolume(this.virsh, pool, volume);
  }

  markCreating(pool: string, volume: string): Promise<void> {
    return storage.markCreating(this.virsh, pool, volume);
  }

  unmarkCreating(pool: string, volume: string): Promise<void> {
    return storage.unmarkCreating(this.virsh, pool, volume);
  }

  defineDomain(spec: DomainSpec): Promise<void> {
    return lifecycle.defineDomain(this.virsh, spec);
  }

  async startDomain(domain: string): Promise<void> {
    await this.virsh.run(["start", "--domain", domain], undefined, domain);
  }

  stopDomain(domain: string, graceMs: number): Promise<void> {
    return lifecycle.stopDomain(this.virsh, domain, graceMs);
  }

  async undefineDomain(domain: string): Promise<void> {
    await this.virsh.run(
      ["undefine", "--domain", domain, "--snapshots-metadata", "--checkpoints-metadata", "--managed-save"],
      undefined,
      domain,
    );
  }

  setResources(domain: string, resources: { memory?: number; vcpus?: number }): Promise<void> {
    return lifecycle.setResources(this.virsh, domain, resources);
  }

  /** `virsh metadata --set` of frost's record, under frost's namespace and key. */
  async writeRecord(domain: string, record: FrostRecord, target: DeviceTarget): Promise<void> {
    await this.virsh.run(
      [
        "metadata",
        "--domain",
        domain,
        "--uri",
        FROST_METADATA_NS,
        "--key",
        FROST_METADATA_KEY,
        "--set",
        recordXml(record),
        ...flags(target),
      ],
      undefined,
      domain,
    );
  }

  async attachAgentChannel(domain: string, target: DeviceTarget): Promise<void> {
    await this.withDeviceFile(AGENT_CHANNEL_XML, (file) =>
      this.virsh.run(["attach-device", "--domain", domain, "--file", file, ...flags(target)], undefined, domain),
    );
  }

  async detachAgentChannel(domain: string, target: DeviceTarget, alias?: string): Promise<void> {
    if (target.live) {
      if (!alias) throw new HypervisorError("the live agent channel has no alias to detach it by", "detach-device-alias", domain);
      await this.virsh.run(["detach-device-alias", "--domain", domain, "--alias", alias, "--live"], undefined, domain);
      await this.waitForLiveChannelGone(domain);
    }
    if (target.config) {
      await this.withDeviceFile(AGENT_CHANNEL_XML, (file) =>
        this.virsh.run(["detach-device", "--domain", domain, "--file", file, "--config"], undefined, domain),
      );
    }
  }

  async pingAgent(domain: string, timeoutMs: number): Promise<AgentProbe> {
    const seconds = String(Math.max(1, Math.floor(timeoutMs / 1000)));
    const result = await this.virsh.exec(
      ["qemu-agent-command", "--domain", domain, "--timeout", seconds, '{"execute":"guest-ping"}'],
      timeoutMs,
    );
    const elapsedMs = Math.round(result.elapsedMs);
    if (result.timedOut) return { status: "timeout", message: `no answer within ${timeoutMs} ms`, elapsedMs };
    if (result.code === 0) return { status: "ok", elapsedMs };
    const message = virshError(result);
    return { status: classifyAgentError(message), message, elapsedMs };
  }

  openSnapshotSession(domain: string): Promise<SnapshotSession> {
    return LibvirtSnapshotSession.open(this.uri, domain, this.spawner, this.runner);
  }

  /** `domfsthaw` in a virsh process of its own (not quiet: the count is printed only then), killed at the deadline. */
  async thaw(domain: string, timeoutMs: number): Promise<number> {
    const output = await this.virsh.run(["domfsthaw", "--domain", domain], timeoutMs, domain, false);
    try {
      return parseFilesystemCount(output, "Thawed");
    } catch (e) {
      throw new HypervisorError((e as Error).message, "domfsthaw", domain);
    }
  }

  /**
   * `snapshot-delete`, only for a snapshot whose description is frost's record, and only where
   * libvirt's commit lands in frost's own overlays (see delete-guard.ts).
   */
  async deleteSnapshot(domain: string, name: string): Promise<void> {
    const snapshot = await readSnapshot(this.virsh, domain, name);
    if (!decodeSnapshotMeta(snapshot.description)) {
      throw new HypervisorError(
        `refusing to delete snapshot ${name} of ${domain}: its description is not a frost record, and frost never touches snapshots it did not take`,
        "snapshot-delete",
        domain,
      );
    }
    const parent = snapshot.parent !== undefined ? await readSnapshot(this.virsh, domain, snapshot.parent) : undefined;
    const refusal = deletionRefusal(snapshot, parent);
    if (refusal) throw new HypervisorError(`refusing to delete snapshot ${name} of ${domain}: ${refusal}`, "snapshot-delete", domain);
    await this.virsh.run(["snapshot-delete", "--domain", domain, "--snapshotname", name], DELETE_TIMEOUT_MS, domain);
  }

  settleOverlays(domain: string, snapshot: string, files: readonly string[]): Promise<OverlaySettlement> {
    return settleOverlays(this.virsh, domain, snapshot, files);
  }

  /** guest-info, freeze state and the fsfreeze hook over one virsh connection, all within `options.timeoutMs`. */
  async agentReadiness(domain: string, options: ReadinessOptions): Promise<AgentReadiness> {
    let agent: SessionGuestAgent;
    try {
      agent = await SessionGuestAgent.open(this.uri, domain, options.timeoutMs, this.spawner);
    } catch (e) {
      return { status: "error", message: (e as Error).message, problems: [] };
    }
    try {
      return await readReadiness(agent, options.hooks ?? []);
    } finally {
      await agent.close();
    }
  }

  /** Writes the script through guest-file-*, commits it with guest-exec where allowed, over one virsh connection. */
  async installFsfreezeHook(domain: string, hook: HookInstall, timeoutMs: number): Promise<HookInstalled> {
    const agent = await SessionGuestAgent.open(this.uri, domain, timeoutMs, this.spawner);
    try {
      return await installHook(agent, hook);
    } finally {
      await agent.close();
    }
  }

  /** Device removal from a running guest is asynchronous in libvirt: wait until the live XML lost it. */
  private async waitForLiveChannelGone(domain: string): Promise<void> {
    const deadline = Date.now() + DETACH_WAIT_MS;
    for (;;) {
      const live = parseDomainDevices(await this.virsh.run(["dumpxml", "--domain", domain], undefined, domain));
      if (!live.agentChannel) return;
      if (Date.now() > deadline) {
        throw new HypervisorError(
          `the guest has not released the agent channel ${DETACH_WAIT_MS / 1000} s after the detach request`,
          "detach-device-alias",
          domain,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private async withDeviceFile<T>(xml: string, fn: (file: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), "frost-device-"));
    try {
      const file = join(dir, "device.xml");
      await writeFile(file, xml, { mode: 0o600 });
      return await fn(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function flags(target: DeviceTarget): string[] {
  return [...(target.live ? ["--live"] : []), ...(target.config ? ["--config"] : [])];
}
