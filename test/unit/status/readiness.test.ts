import { describe, expect, it } from "vitest";
import type { AgentReadiness } from "../../../reconcile/providers/libvirt/hypervisor.js";
import type { GuestFacts } from "../../../reconcile/providers/libvirt/plan/fsfreeze-hooks.js";
import type { HostObservation } from "../../../reconcile/plan/plan.js";
import { buildStatus } from "../../../reconcile/status/status.js";
import { renderStatus } from "../../../cmd/commands/status.js";
import { DesiredBuilder, devices, running } from "../../support/builders.js";

const withAgent = devices({ controller: true, channel: true, connected: true });
const now = new Date("2026-11-25T12:00:00Z");
const LOG = { name: "10-frost-log", sha256: "a".repeat(64), executable: true };

function ready(change: (r: AgentReadiness) => void = () => {}): AgentReadiness {
  const r: AgentReadiness = {
    status: "ok",
    version: "7.2.22",
    freeze: "thawed",
    capabilities: { fsfreeze: true, fileRead: true, fileWrite: true, exec: true, disabled: ["guest-get-devices"] },
    hook: { status: "present", via: "exec", directory: true, scripts: [LOG], agentHook: "/etc/qemu/fsfreeze-hook" },
    problems: [],
  };
  change(r);
  return r;
}

function observed(guest: GuestFacts | undefined): Record<string, HostObservation> {
  const domain = { ...running("db1", withAgent), freeze: "thawed" as const };
  return {
    default: {
      status: "observed",
      facts: {
        host: { uri: "test:///fake", names: ["db1"], domains: { db1: domain } },
        journal: [],
        ...(guest ? { guests: { db1: guest } } : {}),
      },
    },
  };
}

const wanted = new DesiredBuilder().adopt("db1", true).build();

describe("frost status: agent readiness", () => {
  it("shows version, fsfreeze, hook and its scripts, and is ok", () => {
    const r = buildStatus(wanted, observed({ readiness: ready(), sources: {} }), now);
    expect(r.severity).toBe("ok");
    expect(r.instances[0]?.readiness).toEqual({
      version: "7.2.22",
      fsfreeze: "enabled",
      fileAccess: "enabled",
      exec: "enabled",
      hook: "present",
      hooks: [LOG],
      agentHook: "/etc/qemu/fsfreeze-hook",
    });
    expect(renderStatus(r, false)).toContain("agent ok 7.2.22 (fsfreeze enabled, hook present: 10-frost-log), filesystems thawed");
  });

  it("warns when a wanted agent forbids fsfreeze, or the guest has no hook, or qemu-ga runs without one", () => {
    const cases: [(r: AgentReadiness) => void, RegExp][] = [
      [(r) => r.capabilities && (r.capabilities.fsfreeze = false), /forbids guest-fsfreeze-freeze/],
      [(r) => r.hook && (r.hook.status = "absent"), /no fsfreeze hook in the guest/],
      [(r) => r.hook && (r.hook.agentHook = null), /qemu-ga runs without --fsfreeze-hook/],
    ];
    for (const [change, problem] of cases) {
      const r = buildStatus(wanted, observed({ readiness: ready(change), sources: {} }), now);
      expect(r.severity).toBe("warn");
      expect(r.instances[0]?.problems.join("; ")).toMatch(problem);
    }
    // Not wanted (agent unset, no hooks): shown, not judged.
    const unmanaged = new DesiredBuilder().adopt("db1", undefined).build();
    expect(
      buildStatus(unmanaged, observed({ readiness: ready((r) => r.hook && (r.hook.status = "absent")), sources: {} }), now).severity,
    ).toBe("ok");
  });

  it("says when the agent forbids exec or file access", () => {
    const r = buildStatus(
      wanted,
      observed({
        readiness: ready((x) => x.capabilities && Object.assign(x.capabilities, { exec: false, fileWrite: false })),
        sources: {},
      }),
      now,
    );
    expect(r.instances[0]?.readiness).toMatchObject({ exec: "disabled", fileAccess: "read-only" });
    expect(renderStatus(r, false)).toContain("; exec disabled, file access read-only)");
  });

  it("warns about declared hooks missing, different or unreadable", () => {
    const d = new DesiredBuilder()
      .adopt("db1", true, { fsfreezeHooks: { "10-frost-log": "/h/log.sh", "20-db": "/h/db.sh", "30-x": "/h/x.sh" } })
      .build();
    const sources = {
      "10-frost-log": { path: "/h/log.sh", sha256: "b".repeat(64) },
      "20-db": { path: "/h/db.sh", sha256: "c".repeat(64) },
      "30-x": { path: "/h/x.sh", error: "no such file" },
    };
    const r = buildStatus(d, observed({ readiness: ready(), sources }), now);
    expect(r.severity).toBe("warn");
    expect(r.instances[0]?.problems).toEqual([
      "fsfreeze hook 10-frost-log differs from its local file (frost apply replaces it)",
      "fsfreeze hook 20-db is not in the guest (frost apply installs it)",
      "fsfreeze hook 30-x: cannot read /h/x.sh: no such file",
    ]);
  });

  it("a frozen guest: fsfreeze and hook unknown", () => {
    const frozen = ready((r) => {
      r.freeze = "frozen";
      delete r.capabilities;
      delete r.hook;
    });
    const r = buildStatus(wanted, observed({ readiness: frozen, sources: {} }), now);
    expect(r.instances[0]?.readiness).toMatchObject({ fsfreeze: "unknown", hook: "unknown", hooks: [] });
  });
});
