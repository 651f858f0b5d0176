import { testEnv } from "../../support/env.js";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { FakeHypervisor } from "../../support/fake-libvirt/fake-hypervisor.js";
import { holdHosts, type HoldNotice } from "../../../reconcile/lock/hold-hosts.js";
import { LockHeldError } from "../../../reconcile/lock/host-lock.js";
import { currentProcess } from "../../../reconcile/process/identity.js";
import { FreezeJournal } from "../../../reconcile/snapshots/freeze-journal.js";
import { worstCaseFrozenMs } from "../../../reconcile/providers/libvirt/snapshots/take.js";
import { devices } from "../../support/builders.js";
import { deadPid, placeLock } from "./helpers.js";

const UUID = "0b5c0c1e-aaaa-4bbb-8ccc-000000000001";
let stateDir: string;
let journal: FreezeJournal;
let notices: HoldNotice[];
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "frost-hold-"));
  journal = new FreezeJournal(stateDir);
  notices = [];
});

const channel = devices({ controller: true, channel: true, connected: true });
const hold = (hvs: Record<string, FakeHypervisor>) =>
  holdHosts(
    Object.entries(hvs).map(([name, hv]) => ({ name, uri: hv.uri, kind: "libvirt" as const })),
    {
      env: { ...testEnv({ journal, connect: (host) => hvs[host.name] }), stateDir },
      command: "frost apply",
      timeoutMs: 0,
      notify: (n) => notices.push(n),
    },
  );

describe("holding hosts for a run that changes them", () => {
  it("locks one host reached by two URIs once: the second run finds it held", async () => {
    const first = await hold({ a: new FakeHypervisor("qemu:///system", UUID) });
    await expect(hold({ b: new FakeHypervisor("qemu+unix:///system", UUID) })).rejects.toBeInstanceOf(LockHeldError);
    await first.release();
    const second = await hold({ b: new FakeHypervisor("qemu+unix:///system", UUID) });
    await second.release();
  });

  it("still locks by URI where the host reports no identity", async () => {
    const first = await hold({ a: new FakeHypervisor("qemu:///system", undefined) });
    await expect(hold({ a: new FakeHypervisor("qemu:///system", undefined) })).rejects.toBeInstanceOf(LockHeldError);
    await first.release();
  });

  it("takes over the lock of a run proven gone, says whose it was, and thaws the guest it left frozen", async () => {
    const self = currentProcess();
    const dead = await deadPid();
    const left = await placeLock(stateDir, "qemu:///system", {
      pid: dead,
      hostname: self.hostname,
      bootId: self.bootId,
      command: "frost snapshot db1",
    });
    const hv = new FakeHypervisor("qemu:///system", UUID).withDomain({
      name: "db1",
      state: "running",
      live: channel,
      persistent: channel,
      frozen: true,
    });
    const r = await journal.record({ uri: hv.uri, hostUuid: UUID, domain: "db1", snapshot: "s", holdMs: 60_000 });
    await journal.end(r, false);
    const held = await hold({ default: hv });
    expect(notices[0]).toMatchObject({ host: "default", severity: "info" });
    expect(notices[0]?.message).toContain(`took over the lock of qemu:///system left by frost pid ${dead}`);
    expect(notices[0]?.message).toContain(`lock ID ${left.id}): that run is gone (pid ${dead} no longer runs)`);
    expect(notices[1]).toMatchObject({ host: "default", domain: "db1", severity: "info" });
    expect(hv.domain("db1")?.frozen).toBe(false);
    await held.release();
  });

  it("thaws a guest a dead run left frozen even when a live run holds the lock, then reports the lock", async () => {
    const self = currentProcess();
    await placeLock(stateDir, "qemu:///system", { ...self, command: "frost apply (a long one)" });
    const hv = new FakeHypervisor("qemu:///system", UUID).withDomain({
      name: "db1",
      state: "running",
      live: channel,
      persistent: channel,
      frozen: true,
    });
    const r = await journal.record({ uri: hv.uri, hostUuid: UUID, domain: "db1", snapshot: "s", holdMs: 60_000 });
    await journal.end(r, false);
    await expect(hold({ default: hv })).rejects.toBeInstanceOf(LockHeldError);
    expect(hv.domain("db1")?.frozen).toBe(false);
    expect(notices.map((n) => n.domain)).toEqual(["db1"]);
  });
});

describe("the systemd unit of the GitOps example", () => {
  it("gives frost longer to stop than it can hold a guest frozen, runs it by its installed path, and signals only frost", async () => {
    const unit = await readFile(join(import.meta.dirname, "../../../examples/gitops/host/frost-watch.service"), "utf8");
    const timeout = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
    expect(timeout * 1000).toBeGreaterThan(worstCaseFrozenMs());
    expect(unit).toMatch(/^ExecStart=\/\S+\/frost watch /m);
    expect(unit).not.toMatch(/^ExecStart=.*\bnpx\b/m);
    expect(unit).toMatch(/^KillMode=mixed$/m);
  });
});
