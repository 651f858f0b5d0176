import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { fixedClock } from "../../../reconcile/clock.js";
import type { DesiredState } from "../../../reconcile/config/types.js";
import { FakeHypervisor, labGuest, type FakeGuest } from "../../support/fake-libvirt/fake-hypervisor.js";
import { FSFREEZE_HOOK_DIR, FSFREEZE_HOOK_PATH } from "../../../reconcile/providers/libvirt/hypervisor.js";
import type { Change, Plan } from "../../../reconcile/model.js";
import { observeHosts } from "../../../reconcile/observe.js";
import { plan } from "../../../reconcile/plan/plan.js";
import { FreezeJournal } from "../../../reconcile/snapshots/freeze-journal.js";
import { DesiredBuilder, devices } from "../../support/builders.js";
import { testEnv } from "../../support/env.js";

const clock = fixedClock("2026-11-25T12:00:00Z");
const journal = new FreezeJournal(mkdtempSync(join(tmpdir(), "frost-journal-")));
const dir = mkdtempSync(join(tmpdir(), "frost-hooks-"));
const MYSQL = "#!/bin/sh\nmysql -e 'FLUSH TABLES WITH READ LOCK'\n";
const CACHE = "#!/bin/sh\nsync\n";
writeFileSync(join(dir, "mysql-flush.sh"), MYSQL);
writeFileSync(join(dir, "cache.sh"), CACHE);
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const bytes = (s: string) => new TextEncoder().encode(s);

/** db1 adopts a running domain with a connected agent and declares 10-mysql. */
function desired(hooks: Record<string, string> = { "10-mysql": join(dir, "mysql-flush.sh") }): DesiredState {
  return new DesiredBuilder().adopt("db1", true, { fsfreezeHooks: hooks }).build();
}

function guest(change: (g: FakeGuest) => void = () => {}): FakeGuest {
  const g = labGuest();
  change(g);
  return g;
}

function host(
  g: FakeGuest | undefined,
  extra: { state?: "running" | "shutoff"; agent?: "running" | "absent"; frozen?: boolean } = {},
): FakeHypervisor {
  const channel = devices({ controller: true, channel: true });
  const state = extra.state ?? "running";
  return new FakeHypervisor().withDomain({
    name: "db1",
    state,
    persistent: channel,
    ...(state === "running" ? { live: { ...channel, agentChannel: { alias: "channel0" } } } : {}),
    ...(extra.agent ? { agent: extra.agent } : {}),
    ...(extra.frozen ? { frozen: true } : {}),
    ...(g ? { guest: g } : {}),
  });
}

async function planOf(d: DesiredState, hv: FakeHypervisor): Promise<Plan> {
  return plan(d, await observeHosts(d, testEnv({ connect: () => hv, journal }), { ping: true }), { clock });
}

const hookChanges = (p: Plan): Change[] => p.changes.filter((c) => c.steps[0]?.kind === "install-fsfreeze-hook");
const remarks = (p: Plan): string => p.remarks.map((r) => r.message).join("\n");
const mysqlAt = `${FSFREEZE_HOOK_DIR}/10-mysql`;

describe("planning fsfreeze hooks", () => {
  // Each row: the guest, what the plan must say (reason of the one hook change, or none), remarks expected.
  const table: { name: string; guest: FakeGuest; reason?: string | RegExp; chmod?: boolean; note?: RegExp; remark?: RegExp }[] = [
    { name: "absent: install, made executable through guest-exec", guest: guest(), reason: "install fsfreeze hook 10-mysql", chmod: true },
    {
      name: "changed in the guest: replace, naming both digests",
      guest: guest((g) => (g.files[mysqlAt] = { content: bytes("#!/bin/sh\necho edited\n"), mode: 0o755 })),
      reason: `replace fsfreeze hook 10-mysql (changed in the guest: sha256 ${sha("#!/bin/sh\necho edited\n").slice(0, 12)}… ≠ ${sha(MYSQL).slice(0, 12)}…)`,
      chmod: true,
    },
    { name: "same content and executable: nothing", guest: guest((g) => (g.files[mysqlAt] = { content: bytes(MYSQL), mode: 0o755 })) },
    {
      name: "same content, not executable, exec allowed: replaced to make it executable",
      guest: guest((g) => (g.files[mysqlAt] = { content: bytes(MYSQL), mode: 0o644 })),
      reason: "replace fsfreeze hook 10-mysql (not executable in the guest)",
      chmod: true,
    },
    {
      name: "exec forbidden: installed through the file commands, with a note that it will not be executable",
      guest: guest((g) => (g.blocked = ["guest-exec"])),
      reason: "install fsfreeze hook 10-mysql",
      chmod: false,
      note: /forbids guest-exec: frost cannot chmod 755/,
    },
    {
      name: "exec forbidden, same content read back by guest-file-read: nothing",
      guest: guest((g) => {
        g.blocked = ["guest-exec"];
        g.files[mysqlAt] = { content: bytes(MYSQL), mode: 0o644 };
      }),
    },
    {
      name: "file writes forbidden: no change, a remark that says which commands",
      guest: guest((g) => (g.blocked = ["guest-file-write"])),
      remark: /cannot install fsfreeze hooks \(10-mysql\): the guest agent forbids file writes \(disabled: guest-file-write\)/,
    },
    {
      name: "exec and file access forbidden: not checked, and why",
      guest: guest((g) => (g.blocked = ["guest-exec", "guest-file-open"])),
      remark: /not checked: the guest agent forbids both exec and file reads \(disabled: guest-exec, guest-file-open\)/,
    },
    {
      name: "no stock hook in the guest: installed, with a remark that it would not run",
      guest: guest((g) => delete g.files[FSFREEZE_HOOK_PATH]),
      reason: "install fsfreeze hook 10-mysql",
      chmod: true,
      remark: /the guest has no \/etc\/qemu\/fsfreeze-hook/,
    },
    {
      name: "qemu-ga without --fsfreeze-hook: a remark",
      guest: guest((g) => (g.agentHook = null)),
      reason: "install fsfreeze hook 10-mysql",
      chmod: true,
      remark: /qemu-ga runs without --fsfreeze-hook/,
    },
    {
      name: "fsfreeze forbidden: a remark",
      guest: guest((g) => (g.blocked = ["guest-fsfreeze-freeze"])),
      reason: "install fsfreeze hook 10-mysql",
      chmod: true,
      remark: /forbids guest-fsfreeze-freeze/,
    },
  ];

  for (const row of table) {
    it(row.name, async () => {
      const p = await planOf(desired(), host(row.guest));
      expect(p.errored).toBe(false);
      const changes = hookChanges(p);
      if (row.reason === undefined) expect(changes).toEqual([]);
      else {
        expect(changes).toHaveLength(1);
        expect(changes[0]?.reason).toEqual(row.reason);
        expect(changes[0]?.address).toBe("instance.db1");
        expect(changes[0]?.steps).toEqual([
          {
            kind: "install-fsfreeze-hook",
            domain: "db1",
            hook: "10-mysql",
            source: join(dir, "mysql-flush.sh"),
            sha256: sha(MYSQL),
            chmod: row.chmod,
          },
        ]);
      }
      if (row.note) expect(changes[0]?.notes.join("\n")).toMatch(row.note);
      if (row.remark) expect(remarks(p)).toMatch(row.remark);
      // frost never plans the removal of a script it was not asked for (10-frost-log is the guest's own).
      expect(p.changes.every((c) => c.action === "update")).toBe(true);
    });
  }

  it("takes the image's hooks, the instance's winning on a name clash", async () => {
    const d = new DesiredBuilder().image("mysql", true).build();
    (d.images["mysql"] as { fsfreezeHooks: Record<string, string> }).fsfreezeHooks = {
      "10-mysql": join(dir, "cache.sh"),
      "20-cache": join(dir, "cache.sh"),
    };
    d.instances["db1"] = {
      ...new DesiredBuilder().adopt("db1", true).build().instances["db1"]!,
      image: "mysql",
      adopt: false,
      fsfreezeHooks: { "10-mysql": join(dir, "mysql-flush.sh") },
    };
    const p = await planOf(d, host(guest()));
    const steps = hookChanges(p).map((c) => c.steps[0]);
    expect(steps).toMatchObject([
      { hook: "10-mysql", sha256: sha(MYSQL) },
      { hook: "20-cache", sha256: sha(CACHE) },
    ]);
  });

  it("a local script that cannot be read is an error at the instance's position", async () => {
    const p = await planOf(desired({ "10-mysql": join(dir, "missing.sh") }), host(guest()));
    expect(p.errored).toBe(true);
    expect(p.diagnostics).toContainEqual(
      expect.objectContaining({ severity: "error", code: "plan.hook-unreadable", pos: { file: "frost.yaml", line: 10, col: 1 } }),
    );
    expect(p.diagnostics.find((d) => d.code === "plan.hook-unreadable")?.summary).toMatch(/missing\.sh: no such file/);
  });

  it("says why it did not check: shut off, agent not answering, guest frozen", async () => {
    expect(remarks(await planOf(desired(), host(guest(), { state: "shutoff" })))).toMatch(/checked and installed while the domain runs/);
    expect(remarks(await planOf(desired(), host(guest(), { agent: "absent" })))).toMatch(
      /not checked: the guest agent does not answer \(not-connected\)/,
    );
    const frozen = await planOf(desired(), host(guest(), { frozen: true }));
    expect(hookChanges(frozen)).toEqual([]);
    expect(remarks(frozen)).toMatch(/not checked: the guest is frozen/);
  });

  it("orders an instance's changes: channel, hooks, snapshot", async () => {
    // A live-only channel (persistent attach planned), a hook to install and a schedule due.
    const live = devices({ controller: true, channel: true });
    const hv = new FakeHypervisor().withDomain({
      name: "db1",
      state: "running",
      live: { ...live, agentChannel: { alias: "channel0" } },
      persistent: devices({ controller: true }),
      guest: guest(),
    });
    const d = new DesiredBuilder()
      .adopt("db1", true, { fsfreezeHooks: { "10-mysql": join(dir, "mysql-flush.sh") } })
      .schedule("nightly", ["db1"], { cron: "0 * * * *" })
      .build();
    const kinds = (await planOf(d, hv)).changes.flatMap((c) => c.steps.map((s) => s.kind)).filter((k) => k !== "write-record");
    expect(kinds).toEqual(["attach-agent-channel", "install-fsfreeze-hook", "take-snapshot"]);
  });

  it("reads the agent's readiness only for instances that declare hooks (plan), and for all with readiness: all (status)", async () => {
    const hv = host(guest());
    const spy = vi.spyOn(hv, "agentReadiness");
    const none = new DesiredBuilder().adopt("db1", true).build();
    await observeHosts(none, testEnv({ connect: () => hv, journal }), { ping: true });
    expect(spy).not.toHaveBeenCalled();
    await observeHosts(none, testEnv({ connect: () => hv, journal }), { ping: true, readiness: "all" });
    expect(spy).toHaveBeenCalledTimes(1);
    await observeHosts(desired(), testEnv({ connect: () => hv, journal }), { ping: false });
    expect(spy).toHaveBeenCalledTimes(1);
  });
});
