import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../support/lab.js";

// The import rules of .dependency-cruiser.cjs (run on the sources by `npm run deps`) tried on a
// small tree that breaks each of them once, beside imports they allow: a rule whose paths no longer
// match anything would pass on any tree, and this test would then fail.

const TREE: Record<string, string> = {
  "reconcile/model.ts": "export type Step = { kind: string };\n",
  "reconcile/observe.ts": [
    'import { main } from "../cmd/main.js";',
    'import { libvirtProvider } from "./providers/libvirt/provider.js";',
    'import { providers } from "./providers/registry.js";',
    "export const all = [main, libvirtProvider, providers];",
  ].join("\n"),
  "reconcile/providers/registry.ts": [
    'import { libvirtProvider } from "./libvirt/provider.js";',
    'import { openstackProvider } from "./openstack/provider.js";',
    "export const providers = [libvirtProvider, openstackProvider];",
  ].join("\n"),
  "reconcile/providers/libvirt/provider.ts":
    'import type { Step } from "../../model.js";\nexport const libvirtProvider = (s: Step) => s;\n',
  "reconcile/providers/libvirt/compute.ts": "export const guests = 1;\n",
  "reconcile/providers/openstack/provider.ts":
    'import { guests } from "../libvirt/compute.js";\nexport const openstackProvider = guests;\n',
  "reconcile/lock/errors.ts": 'import type { LockRecord } from "./lock-file.js";\nexport type Held = LockRecord;\n',
  "reconcile/lock/lock-file.ts": 'import type { Held } from "./errors.js";\nexport type LockRecord = { id: string; held?: Held };\n',
  "reconcile/uses-fake.ts": 'import { fake } from "../test/support/fake.js";\nexport const f = fake;\n',
  "reconcile/gone.ts": 'import { x } from "./missing.js";\nexport const y = x;\n',
  "cmd/main.ts": 'import { providers } from "../reconcile/providers/registry.js";\nexport const main = providers;\n',
  "test/support/fake.ts": 'import { providers } from "../../reconcile/providers/registry.js";\nexport const fake = providers;\n',
};

function violations(): string[] {
  const dir = mkdtempSync(join(tmpdir(), "frost-deps-"));
  for (const [path, text] of Object.entries(TREE)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const cli = join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");
  const run = spawnSync(
    process.execPath,
    [cli, "reconcile", "cmd", "test", "--config", join(ROOT, ".dependency-cruiser.cjs"), "-T", "json"],
    {
      cwd: dir,
      encoding: "utf8",
    },
  );
  const report = JSON.parse(run.stdout) as {
    summary: { violations: { rule: { name: string }; from: string; to: string; cycle?: { name: string }[] }[] };
  };
  return report.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

describe("the import rules", () => {
  it("refuse each forbidden import, and only those", () => {
    expect(violations()).toEqual(
      [
        "commands-not-providers: cmd/main.ts -> reconcile/providers/registry.ts",
        "engine-not-providers: reconcile/observe.ts -> reconcile/providers/libvirt/provider.ts",
        "no-circular: reconcile/lock/errors.ts -> reconcile/lock/lock-file.ts",
        "not-to-unresolvable: reconcile/gone.ts -> ./missing.js",
        "product-not-tests: reconcile/uses-fake.ts -> test/support/fake.ts",
        "providers-not-each-other: reconcile/providers/openstack/provider.ts -> reconcile/providers/libvirt/compute.ts",
        "reconcile-not-cmd: reconcile/observe.ts -> cmd/main.ts",
      ].sort(),
    );
  });
});
