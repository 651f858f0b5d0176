import { describe, expect, it } from "vitest";
import { LibvirtHypervisor } from "../../../reconcile/providers/libvirt/driver/driver.js";
import { VirshSession } from "../../../reconcile/providers/libvirt/driver/virsh-session.js";
import type { CommandRunner, RunOptions, SessionSpawner } from "../../../reconcile/process/run.js";

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

  // Storage names reach virsh only as option values: even a name starting with '-' (which the
  // configuration refuses) could not be read as an option.
  it("passes pool, volume and path values as option values", async () => {
    const { runner, calls } = recordingRunner(() => ({ code: 0, stdout: "" }));
    const hv = new LibvirtHypervisor("qemu:///system", runner);
    await hv.createPool("-pool", "/srv/-pool");
    await hv.uploadVolume("-pool", "-vol", "/srv/-image.raw", 1);
    await hv.createOverlay("-pool", "-overlay", { volume: "-vol", format: "raw" }, 1);
    await hv.deleteVolume("-pool", "-overlay");
    expect(calls.length).toBeGreaterThan(8);
    for (const { args } of calls) {
      args.forEach((arg, i) => {
        if (/^(-pool|-vol|-overlay|\/srv\/.*)$/.test(arg)) expect(args[i - 1], `${arg} in ${args.join(" ")}`).toMatch(/^--[a-z-]+$/);
      });
    }
  });

  // The last guard before virsh: a URI that would run a program never reaches it, whatever its source.
  it("refuses a URI that runs a program, before running anything", async () => {
    const { runner, calls } = recordingRunner(() => ({ code: 0, stdout: "" }));
    expect(() => new LibvirtHypervisor("qemu+ext:///system?command=/tmp/x.sh", runner)).toThrow(/refusing to connect: .*ext transport/);
    const spawned: string[][] = [];
    const spawner: SessionSpawner = (_program, args) => {
      spawned.push([...args]);
      throw new Error("spawned");
    };
    await expect(VirshSession.open("qemu+ssh://kvm1/system?command=/tmp/x.sh", "d", 1000, { spawner })).rejects.toThrow(
      /refusing to connect: .*command=/,
    );
    expect(calls).toEqual([]);
    expect(spawned).toEqual([]);
  });
});
