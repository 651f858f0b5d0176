import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeviceTarget } from "../../model.js";
import type { CommandRunner } from "../../process/run.js";
import { HypervisorError, type AgentProbe, type Hypervisor, type ObserveOptions, type ObservedHost } from "../types.js";
import { classifyAgentError } from "./agent-errors.js";
import { AGENT_CHANNEL_XML, parseDomainDevices } from "./domain-xml.js";
import { observeHost } from "./observe.js";
import { Virsh, virshError } from "./virsh.js";

/** How long a live detach may take before frost says the guest has not released the device. */
const DETACH_WAIT_MS = 15_000;

/** The real hypervisor: libvirt through `virsh -c URI`. */
export class LibvirtHypervisor implements Hypervisor {
  private readonly virsh: Virsh;

  constructor(
    readonly uri: string,
    runner?: CommandRunner,
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
