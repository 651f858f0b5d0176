import { describe, expect, it } from "vitest";
import { LibvirtHypervisor } from "../../../reconcile/hypervisor/libvirt/driver.js";
import type { CommandRunner, RunOptions } from "../../../reconcile/process/run.js";

/** A runner that records argument arrays and answers like virsh would. */
function recordingRunner(answer: (args: readonly string[]) => { code: number; stdout?: string; stderr?: string }) {
  const calls: { program: string; args: readonly string[]; options: RunOptions }[] = [];
  const runner: CommandRunner = {
    async run(program, args, options) {
      calls.push({ program, args, options });
      const a = answer(args);
      return { code: a.code, stdout: a.stdout ?? "", stderr: a.stderr ?? "", timedOut: false, elapsedMs: 1 };
    },
  };
  return { runner, calls };
}

describe("the libvirt driver's virsh calls", () => {
  it("passes a domain name as one argument value of --domain, whatever it contains", async () => {
    const { runner, calls } = recordingRunner(() => ({ code: 0, stdout: "" }));
    const hv = new LibvirtHypervisor("qemu:///system", runner);
    await hv.attachAgentChannel("odd; name 'x'", { live: true, config: true });
    const args = calls[0]?.args ?? [];
    expect(calls[0]?.program).toBe("virsh");
    expect(args.slice(0, 4)).toEqual(["-q", "-c", "qemu:///system", "attach-device"]);
    expect(args[args.indexOf("--domain") + 1]).toBe("odd; name 'x'");
    expect(args).toContain("--live");
    expect(args).toContain("--config");
  });

  it("turns virsh's error lines into one message without the error: prefixes", async () => {
    const { runner } = recordingRunner(() => ({
      code: 1,
      stderr: "error: Failed to attach device from /tmp/d.xml\nerror: internal error: no virtio-serial controllers are available\n",
    }));
    const hv = new LibvirtHypervisor("qemu:///system", runner);
    await expect(hv.attachAgentChannel("d", { live: true, config: false })).rejects.toThrow(
      "Failed to attach device from /tmp/d.xml: internal error: no virtio-serial controllers are available",
    );
  });

  it("gives guest-ping a hard deadline and reports a kill at the deadline as a timeout", async () => {
    const runner: CommandRunner = {
      async run(_program, _args, options) {
        return { code: null, stdout: "", stderr: "", timedOut: true, elapsedMs: options.timeoutMs };
      },
    };
    const probe = await new LibvirtHypervisor("qemu:///system", runner).pingAgent("d", 1500);
    expect(probe).toMatchObject({ status: "timeout", message: "no answer within 1500 ms" });
  });

  it("reports a host it cannot reach with libvirt's reason", async () => {
    const { runner } = recordingRunner(() => ({
      code: 1,
      stderr:
        "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory\n",
    }));
    await expect(new LibvirtHypervisor("qemu:///system", runner).observe({ ping: false })).rejects.toThrow(/Failed to connect socket/);
  });
});
