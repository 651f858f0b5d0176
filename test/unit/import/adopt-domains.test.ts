import type { LibvirtFacts } from "../../../reconcile/providers/libvirt/facts.js";
import { describe, expect, it } from "vitest";
import { renderImportYaml } from "../../../cmd/render/import-yaml.js";
import { adoptDomains } from "../../../reconcile/providers/libvirt/import.js";
import { plan } from "../../../reconcile/plan/plan.js";
import { fixedClock } from "../../../reconcile/clock.js";
import { DesiredBuilder, devices, observedHost, running, shutoff } from "../../support/builders.js";
import type { ObservedDomain } from "../../../reconcile/providers/libvirt/hypervisor.js";

const host = (domains: ObservedDomain[]) => {
  const o = observedHost(domains)["default"];
  if (o?.status !== "observed") throw new Error("unreachable");
  return (o.facts as LibvirtFacts).host;
};

// Every shape of channel a domain can have, and what import declares for it.
const world = [
  running("live-chan", devices({ controller: true, channel: true, connected: true })),
  running("live-none", devices({ controller: true })),
  running("live-bare-def-chan", devices({}), devices({ controller: true, channel: true })),
  running("live-ctrl-def-chan", devices({ controller: true }), devices({ controller: true, channel: true })),
  running("live-only-chan", devices({ controller: true, channel: true, connected: true }), devices({ controller: true })),
  shutoff("off-chan", devices({ controller: true, channel: true })),
  shutoff("off-none", devices({})),
];

describe("frost import: adopting existing domains", () => {
  it("declares each domain with the agent value that plans no change, and leaves mixed ones unset", () => {
    const result = adoptDomains(host(world), { declared: new Set() });
    expect(Object.fromEntries(result.adopted.map((a) => [a.name, a.agent ?? "unset"]))).toEqual({
      "live-chan": true,
      "live-none": false,
      "live-bare-def-chan": true,
      "live-ctrl-def-chan": "unset",
      "live-only-chan": "unset",
      "off-chan": true,
      "off-none": false,
    });
  });

  it("plans no change for what it declares (the property import exists for)", () => {
    const result = adoptDomains(host(world), { declared: new Set() });
    const desired = new DesiredBuilder();
    for (const a of result.adopted) desired.adopt(a.name, a.agent);
    const p = plan(desired.build(), observedHost(world), { clock: fixedClock("2026-11-25T12:00:00Z") });
    expect(p.changes).toEqual([]);
    expect(p.errored).toBe(false);
  });

  it("skips names already declared, transient domains and names frost refuses", () => {
    const transient: ObservedDomain = { ...running("transient", devices({})), persistent: undefined } as unknown as ObservedDomain;
    delete (transient as { persistent?: unknown }).persistent;
    const result = adoptDomains(host([shutoff("declared", devices({})), transient, shutoff("-bad", devices({}))]), {
      declared: new Set(["declared"]),
    });
    expect(result.adopted).toEqual([]);
    expect(result.skipped.map((s) => s.name).sort()).toEqual(["-bad", "declared", "transient"]);
  });

  it("renders YAML that quotes names YAML would read as something else, with notes as comments", () => {
    const result = adoptDomains(host([shutoff("true", devices({})), world[3] as ObservedDomain]), { declared: new Set() });
    const yaml = renderImportYaml(result, { uri: "qemu:///system", hostBlock: true, generatedAt: "2026-11-25T12:00:00.000Z" });
    expect(yaml).toContain("uri: qemu:///system");
    expect(yaml).toMatch(/"true":\n\s+adopt: true\n\s+agent: false/);
    expect(yaml).toContain("# the agent channel is in the persistent definition but not in the running domain");
  });
});
