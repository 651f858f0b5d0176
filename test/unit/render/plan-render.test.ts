import { describe, expect, it } from "vitest";
import { renderDiagnostics } from "../../../cmd/render/diagnostics.js";
import { renderPlanJson } from "../../../cmd/render/plan-json.js";
import { renderPlanText, summaryLine } from "../../../cmd/render/plan-text.js";
import { fixedClock } from "../../../reconcile/clock.js";
import { plan, type HostObservation } from "../../../reconcile/plan/plan.js";
import { DesiredBuilder, devices, running, shutoff } from "../../support/builders.js";

const clock = fixedClock("2026-11-25T12:00:00Z");

function demoPlan() {
  const desired = new DesiredBuilder().adopt("live", true).adopt("nocontroller", true).adopt("off", true).build();
  const domains = [running("live", devices({ controller: true })), running("nocontroller", devices({})), shutoff("off", devices({}))];
  const obs: Record<string, HostObservation> = {
    default: {
      status: "observed",
      facts: {
        host: { uri: "test:///fake", names: ["live", "nocontroller", "off"], domains: Object.fromEntries(domains.map((d) => [d.name, d])) },
        journal: [],
      },
    },
  };
  return plan(desired, obs, { clock });
}

describe("the text plan", () => {
  it("shows each change with its symbol, address and reason, and ends with one summary line", () => {
    const text = renderPlanText(demoPlan(), false);
    expect(text).toContain("Host default (test:///fake):");
    expect(text).toContain("  ~ instance.live: add the guest-agent channel (hot-plug and persistent definition)");
    expect(text).toContain("agentChannel.live: false -> true");
    expect(text).toContain("  ~ instance.off: add the guest-agent channel (domain is shut off)");
    expect(text).toMatch(/! restart needed: the channel takes effect at the next full stop and start/);
    expect(text.trimEnd().split("\n").at(-1)).toBe("Plan: 0 to add, 3 to change, 0 to destroy.");
  });

  it("says so when nothing is to change", () => {
    const empty = plan(new DesiredBuilder().build(), {}, { clock });
    expect(summaryLine(empty)).toBe("No changes. The hosts match the configuration.");
  });

  it("has no colour codes when colour is off, and some when it is on", () => {
    expect(renderPlanText(demoPlan(), false)).not.toContain("\u001b[");
    expect(renderPlanText(demoPlan(), true)).toContain("\u001b[");
  });

  it("names an unreachable host with libvirt's reason", () => {
    const p = plan(
      new DesiredBuilder().adopt("d", true).build(),
      { default: { status: "unreachable", error: "Failed to connect socket" } },
      { clock },
    );
    expect(renderPlanText(p, false)).toContain("Host default (test:///fake) is unreachable: Failed to connect socket");
  });
});

describe("the JSON plan", () => {
  it("is one versioned document with the planned changes and their steps", () => {
    const doc = JSON.parse(renderPlanJson(demoPlan()));
    expect(doc.format_version).toBe("1.0");
    expect(doc.summary).toEqual({ add: 0, change: 3, replace: 0, destroy: 0, snapshot: 0, prune: 0, thaw: 0 });
    expect(doc.applyable).toBe(true);
    expect(doc.planned_changes.map((c: { address: string }) => c.address)).toEqual([
      "instance.live",
      "instance.nocontroller",
      "instance.off",
    ]);
    expect(doc.planned_changes[0].steps[0]).toEqual({ kind: "attach-agent-channel", domain: "live", target: { live: true, config: true } });
  });
});

describe("diagnostics", () => {
  it("are printed compiler-style with file:line:col and the detail indented below", () => {
    const text = renderDiagnostics(
      [
        {
          severity: "error",
          code: "config.size",
          summary: 'memory "512MB" is not a binary size',
          detail: "did you mean 512MiB?",
          pos: { file: "a.yaml", line: 3, col: 13 },
          source: "user",
        },
      ],
      false,
    );
    expect(text).toBe('a.yaml:3:13: error: memory "512MB" is not a binary size\n    did you mean 512MiB?\n');
  });
});
