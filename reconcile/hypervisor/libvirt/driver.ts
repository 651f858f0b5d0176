import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeviceTarget } from "../../model.js";
import type { CommandRunner } from "../../process/run.js";
import { decodeSnapshotMeta } from "../../snapshots/meta.js";
import {
  HypervisorError,
  type AgentProbe,
  type Hypervisor,
  type ObserveOptions,
  type ObservedHost,
  type SnapshotSession,
} from "../types.js";
import { classifyAgentError } from "./agent-errors.js";
import { parseFilesystemCount } from "./command-output.js";
import { deletionRefusal } from "./delete-guard.js";
import { AGENT_CHANNEL_XML, parseDomainDevices } from "./domain-xml.js";
import { observeHost } from "./observe.js";
import { readSnapshot } from "./snapshot-observe.js";
import { LibvirtSnapshotSession } from "./snapshot-session.js";
import type { SessionSpawner } from "./virsh-session.js";
import { Virsh, virshError } from "./virsh.js";

/** How long a live detach may take before frost says the guest has not released the device. */
const DETACH_WAIT_MS = 15_000;

/** Deadline of one snapshot deletion: libvirt commits the overlay, which takes as long as it is large. */
const DELETE_TIMEOUT_MS = 30 * 60_000;

/** The real hypervisor: libvirt through `virsh -c URI`. */
export class LibvirtHypervisor implements Hypervisor {
  private readonly virsh: Virsh;

  constructor(
    readonly uri: string,
    runner?: CommandRunner,
    private readonly spawner?: SessionSpawner,
  ) {
    this.virsh = new Virsh(uri, runner);
  }

  observe(options: ObserveOptions): Promise<ObservedHost> {
    return observeHost(this.virsh, options, (d, t) => this.pingAgent(d, t));
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
    return LibvirtSnapshotSession.open(this.uri, domain, this.spawner);
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
