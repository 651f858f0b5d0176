import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { CommandDeps } from "../../../cmd/deps.js";
import { main } from "../../../cmd/main.js";
import { fixedClock } from "../../../reconcile/clock.js";
import { FakeHypervisor } from "../../support/fake-libvirt/fake-hypervisor.js";
import type { AnyStep } from "../../support/steps.js";
import { observeHosts } from "../../../reconcile/observe.js";
import { planFileDigest } from "../../../reconcile/plan-file/digest.js";
import { collectFacts } from "../../../reconcile/plan-file/facts.js";
import { PLAN_FILE_FORMAT, writePlanFile, type PlanFile } from "../../../reconcile/plan-file/plan-file.js";
import { plan } from "../../../reconcile/plan/plan.js";
import { FreezeJournal } from "../../../reconcile/snapshots/freeze-journal.js";
import { DesiredBuilder, devices } from "../../support/builders.js";
import { testInterrupt } from "../../support/test-interrupt.js";
import { testEnv } from "../../support/env.js";

// `frost show PLANFILE` and `frost apply PLANFILE` through the CLI entry, against the fake hypervisor.

const clock = fixedClock("2026-11-25T12:00:00Z");
let dir: string;
let hv: FakeHypervisor;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "frost-saved-plan-"));
  path = join(dir, "web.plan");
  hv = new FakeHypervisor()
    .withDomain({ name: "web", state: "running", live: devices({ controller: true }), persistent: devices({ controller: true }) })
    .withDomain({ name: "db", state: "running", live: devices({ controller: true }), persistent: devices({ controller: true }) });
  // web gets the channel; a snapshot of it is due.
  const desired = new DesiredBuilder().adopt("web", true).schedule("nightly", ["web"]).build();
  const journal = new FreezeJournal(join(dir, "state"));
  const observations = await observeHosts(desired, testEnv({ connect: () => hv, journal }), { ping: true });
  const p = plan(desired, observations, { clock });
  await writePlanFile(path, {
    format: PLAN_FILE_FORMAT,
    frostVersion: "0.1.0",
    configDigest: "sha256:0123",
    configPath: "frost.yaml",
    uris: { default: "test:///fake" },
    kinds: { default: "libvirt" },
    facts: collectFacts(p, observations),
    plan: p,
  });
  hv.calls.length = 0;
});

/** Runs frost with captured output; `connected` lists every host it connected to. */
async function frost(...argv: string[]): Promise<{ code: number; out: string; err: string; connected: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const connected: string[] = [];
  const deps: CommandDeps = {
    io: {
      out: (t) => void out.push(t),
      err: (t) => void err.push(t),
      interactive: false,
      stderrIsTty: false,
      color: false,
      ask: async () => "",
      onClosed: () => {},
    },
    interrupt: testInterrupt(),
    clock,
    journal: new FreezeJournal(join(dir, "state")),
    stateDir: join(dir, "state"),
    hostRoot: dir,
    connect(host) {
      if (!connected.includes(host.name)) connected.push(host.name);
      return hv;
    },
  };
  const code = await main(argv, deps);
  return { code, out: out.join(""), err: err.join(""), connected };
}

/** Edits the saved file and seals it again with a matching digest, as only someone forging it would. */
async function forge(edit: (file: PlanFile) => void): Promise<void> {
  const file = JSON.parse(await readFile(path, "utf8")) as PlanFile;
  edit(file);
  const { digest, ...content } = file;
  void digest;
  await writeFile(path, JSON.stringify({ ...content, digest: planFileDigest(content) }));
}

describe("frost show PLANFILE", () => {
  it("lists under each change the steps apply will run, one line each, in order", async () => {
    const r = await frost("show", path);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      [
        "  ~ instance.web: add the guest-agent channel (hot-plug and persistent definition)",
        "      agentChannel.live: false -> true",
        "      agentChannel.persistent: false -> true",
        "      1. attach the guest-agent channel to web (running domain and persistent definition)",
        "      2. write frost's record into the metadata of web (persistent definition only)",
        "  + snapshot instance.web @nightly (due since 2026-11-25 02:00 UTC; quiesce preferred)",
        "      1. take snapshot nightly-20261125T0200Z of web (quiesce preferred)",
      ].join("\n"),
    );
    expect(r.connected).toEqual([]);
  });

  it("shows a step that a change's label and reason do not mention", async () => {
    await forge((f) => f.plan.changes[0]?.steps.push({ kind: "undefine-domain", domain: "web" } as AnyStep));
    expect((await frost("show", path)).out).toContain("      3. undefine domain web\n");
  });

  it("refuses a file edited after it was saved, saying what to do", async () => {
    await writeFile(path, (await readFile(path, "utf8")).replace('"quiesce": "preferred"', '"quiesce": "off"'));
    const r = await frost("show", path);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `Error: ${path} does not match the digest it carries: it was edited or damaged after frost plan wrote it, and frost refuses it\nMake a new plan with: frost plan --out FILE\n`,
    );
    expect(r.out).toBe("");
  });
});

describe("frost apply PLANFILE", () => {
  it("applies an unedited file", async () => {
    const r = await frost("apply", path);
    expect(r.code, r.err).toBe(0);
    expect(hv.domain("web")?.live?.agentChannel).toBeDefined();
    expect(hv.domain("web")?.snapshots?.map((s) => s.name)).toEqual(["nightly-20261125T0200Z"]);
  });

  it("refuses an edited file before contacting any host, and changes nothing", async () => {
    await writeFile(path, (await readFile(path, "utf8")).replace('"action": "update"', '"action": "no-op"'));
    const r = await frost("apply", path);
    expect(r.code).toBe(1);
    expect(r.err).toContain("does not match the digest it carries");
    expect([r.connected, hv.calls]).toEqual([[], []]);
  });

  it("refuses a file without a digest before contacting any host", async () => {
    const { digest, ...content } = JSON.parse(await readFile(path, "utf8")) as PlanFile;
    void digest;
    await writeFile(path, JSON.stringify(content));
    const r = await frost("apply", path);
    expect(r.code).toBe(1);
    expect(r.err).toContain("carries no digest of its content");
    expect([r.connected, hv.calls]).toEqual([[], []]);
  });

  it("refuses, naming domain and step, a step on a domain the file records no facts about", async () => {
    await forge((f) => {
      f.facts = {};
    });
    const r = await frost("apply", path);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`Refusing to apply ${path}: it records no facts about a domain its steps act on`);
    expect(r.err).toContain(
      '"attach the guest-agent channel to web (running domain and persistent definition)" (instance.web) acts on domain web on host default',
    );
    expect(r.err).toContain(
      '"take snapshot nightly-20261125T0200Z of web (quiesce preferred)" (instance.web) acts on domain web on host default',
    );
    expect(r.err).toContain("Nothing was applied; make a new plan with: frost plan --out FILE");
    expect([r.connected, hv.calls]).toEqual([[], []]);
  });

  it("refuses a step added on a domain the facts do not cover (trimmed, not emptied)", async () => {
    const thaw: AnyStep = { kind: "thaw", domain: "db" };
    await forge((f) => f.plan.changes[0]?.steps.push(thaw));
    const r = await frost("apply", path);
    expect(r.code).toBe(1);
    expect(r.err).toContain('"thaw db" (instance.web) acts on domain db on host default');
    expect([r.connected, hv.calls]).toEqual([[], []]);
  });

  it("refuses a destroying step in a change labelled 'update' without --allow-destroy", async () => {
    await forge((f) => f.plan.changes[0]?.steps.push({ kind: "undefine-domain", domain: "web" } as AnyStep));
    const r = await frost("apply", path);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'Refusing to apply: it destroys instance.web (labelled "update", but it has undefine-domain steps): pass --allow-destroy to allow that. Nothing was changed.\n',
    );
    expect([r.connected, hv.calls]).toEqual([[], []]);
    expect(hv.domain("web")).toBeDefined();
  });
});
