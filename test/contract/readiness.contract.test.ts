import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeHypervisor, labGuest } from "../support/fake-libvirt/fake-hypervisor.js";
import type { HookInstall } from "../../reconcile/providers/libvirt/hypervisor.js";
import { guestShell, virsh } from "../support/lab.js";
import { fakeWorld, libvirtWorld, type World } from "./worlds.js";

// Agent readiness and fsfreeze hook installs: the same cases against the fake and the real lab
// guest (qemu-ga 7.2 with the stock hook and 10-frost-log). Two domains serve the file: one whose
// agent allows everything, one whose agent is restarted with --block-rpcs for the restricted cases.

/** The command line the lab guest's init starts qemu-ga with (lab/guest/init). */
const QGA =
  "qemu-ga --method=virtio-serial --path=/dev/virtio-ports/org.qemu.guest_agent.0 --fsfreeze-hook=/etc/qemu/fsfreeze-hook --statedir=/run --pidfile=/run/qemu-ga.pid --logfile=/run/qemu-ga.log";

/** Restarts the guest's qemu-ga forbidding `blocked` (none: back to the lab's own respawn loop). */
async function blockRpcs(world: World, domain: string, blocked: string[]): Promise<void> {
  if (world.hv instanceof FakeHypervisor) {
    const d = world.hv.domain(domain);
    if (d) d.guest = { ...(d.guest ?? labGuest()), blocked };
    return;
  }
  const stop = "touch /run/qga.off; kill $(pidof qemu-ga) 2>/dev/null; while pidof qemu-ga >/dev/null; do sleep 0.1; done";
  const start = blocked.length > 0 ? `setsid ${QGA} -b ${blocked.join(",")} </dev/null >/dev/null 2>&1 &` : "rm -f /run/qga.off";
  await guestShell(domain, `${stop}; ${start}`);
  if (!(await world.waitForAgent(domain))) throw new Error(`the agent of ${domain} did not come back`);
}

const script = (text: string): HookInstall => {
  const content = new TextEncoder().encode(text);
  return { name: "50-contract", content, sha256: createHash("sha256").update(content).digest("hex"), chmod: true };
};

for (const make of [fakeWorld, libvirtWorld]) {
  const world: World = make();
  const hv = world.hv;
  const OPEN = "t-hc-open";
  const RESTRICTED = "t-hc-restricted";

  describe(`agent readiness and hooks contract: ${world.name}`, () => {
    beforeAll(async () => {
      await Promise.all([OPEN, RESTRICTED].map((n) => world.define(n, "channel", { start: true })));
      for (const n of [OPEN, RESTRICTED]) expect(await world.waitForAgent(n)).toBe(true);
    });
    afterAll(async () => {
      await Promise.all([OPEN, RESTRICTED].map((n) => world.remove(n)));
    });

    it("reads version, capabilities, freeze state and the stock hook with its scripts", async () => {
      const r = await hv.agentReadiness(OPEN, { timeoutMs: 8000 });
      expect(r).toMatchObject({
        status: "ok",
        freeze: "thawed",
        capabilities: { fsfreeze: true, fileRead: true, fileWrite: true, exec: true },
        hook: { status: "present", via: "exec", directory: true, agentHook: "/etc/qemu/fsfreeze-hook" },
        problems: [],
      });
      expect(r.version).toMatch(/^7\.2\.\d+$/);
      expect(r.capabilities?.disabled).toEqual(["guest-get-devices"]);
      expect(r.hook?.scripts).toContainEqual(expect.objectContaining({ name: "10-frost-log", executable: true }));
    });

    it("installs a hook (executable, atomically), reads its digest back, and replaces it", async () => {
      const first = script('#!/bin/sh\necho "$1" >>/run/contract-marker\n');
      expect(await hv.installFsfreezeHook(OPEN, first, 30_000)).toEqual({ sha256: first.sha256, executable: true, warnings: [] });
      let scripts = (await hv.agentReadiness(OPEN, { timeoutMs: 8000 })).hook?.scripts ?? [];
      expect(scripts.find((s) => s.name === "50-contract")).toEqual({ name: "50-contract", sha256: first.sha256, executable: true });
      // The temporary dotfile is gone, so the listing has no other new name.
      expect(scripts.map((s) => s.name)).toEqual(["10-frost-log", "50-contract"]);
      const second = script("#!/bin/sh\nexit 0\n");
      await hv.installFsfreezeHook(OPEN, second, 30_000);
      scripts = (await hv.agentReadiness(OPEN, { timeoutMs: 8000 })).hook?.scripts ?? [];
      expect(scripts.find((s) => s.name === "50-contract")?.sha256).toBe(second.sha256);
    });

    it("while frozen: capabilities and hook are not read, and an install is refused in qemu-ga's words", async () => {
      if (hv instanceof FakeHypervisor) {
        const d = hv.domain(OPEN);
        if (d) d.frozen = true;
      } else {
        expect((await virsh("domfsfreeze", OPEN)).code).toBe(0);
      }
      try {
        const r = await hv.agentReadiness(OPEN, { timeoutMs: 8000 });
        expect(r).toMatchObject({ status: "ok", freeze: "frozen" });
        expect(r.capabilities).toBeUndefined();
        expect(r.hook).toBeUndefined();
        await expect(hv.installFsfreezeHook(OPEN, script("x"), 10_000)).rejects.toThrow(
          /Command guest-file-open has been disabled: the agent is in frozen state/,
        );
      } finally {
        await hv.thaw(OPEN, 10_000);
      }
    });

    it("with guest-exec forbidden: scripts read by name through guest-file-*, installed without the executable bit", async () => {
      await blockRpcs(world, RESTRICTED, ["guest-exec"]);
      const hook = { ...script("#!/bin/sh\nexit 0\n"), chmod: false };
      const installed = await hv.installFsfreezeHook(RESTRICTED, hook, 30_000);
      expect(installed.sha256).toBe(hook.sha256);
      expect(installed.executable).toBeUndefined();
      expect(installed.warnings[0]).toMatch(/^not made executable: the guest agent forbids guest-exec/);
      const r = await hv.agentReadiness(RESTRICTED, { timeoutMs: 8000, hooks: ["50-contract", "60-absent"] });
      expect(r.capabilities).toMatchObject({ exec: false, fileRead: true, fileWrite: true });
      expect(r.capabilities?.disabled).toContain("guest-exec");
      expect(r.hook).toMatchObject({ status: "present", via: "file", scripts: [{ name: "50-contract", sha256: hook.sha256 }] });
      // And a chmod asked for anyway is refused with qemu-ga's words.
      await expect(hv.installFsfreezeHook(RESTRICTED, { ...hook, chmod: true }, 30_000)).rejects.toThrow(
        "internal error: unable to execute QEMU agent command 'guest-exec': Command guest-exec has been disabled",
      );
    });

    it("with file writes and exec forbidden: the hook is unknown and an install fails, saying which command", async () => {
      await blockRpcs(world, RESTRICTED, ["guest-exec", "guest-file-open"]);
      const r = await hv.agentReadiness(RESTRICTED, { timeoutMs: 8000, hooks: ["50-contract"] });
      expect(r.hook).toEqual({
        status: "unknown",
        reason: "the guest agent forbids both exec and file reads (disabled: guest-exec, guest-file-open)",
      });
      await expect(hv.installFsfreezeHook(RESTRICTED, { ...script("x"), chmod: false }, 30_000)).rejects.toThrow(
        "cannot install fsfreeze hook 50-contract into /etc/qemu/fsfreeze-hook.d/50-contract: internal error: unable to execute QEMU agent command 'guest-file-open': Command guest-file-open has been disabled",
      );
      await blockRpcs(world, RESTRICTED, []);
    });

    it("a hung agent ends the check at frost's deadline", async () => {
      await world.hangAgent(RESTRICTED, true);
      try {
        const started = Date.now();
        const r = await hv.agentReadiness(RESTRICTED, { timeoutMs: 2000 });
        expect(r.status).toBe("timeout");
        expect(Date.now() - started).toBeLessThan(4000);
      } finally {
        await world.hangAgent(RESTRICTED, false);
      }
    });
  });
}
