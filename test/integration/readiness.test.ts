import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frost } from "../support/cli.js";
import { domainXml, guestShell, lab, readGuestFile } from "../support/lab.js";

// Agent readiness in `frost status`, and fsfreeze hooks as desired state, with the built binary
// against the real lab: qemu-ga 7.2 and the stock fsfreeze-hook in the guest; files in the guest
// are read back through the agent (plain virsh), as an operator would.
const READY = "t-hready";
const NOCHAN = "t-hnochan";
const STOPPED = "t-hstopped";
const HOOK = "/etc/qemu/fsfreeze-hook.d/20-marker";
const MARKER = '#!/bin/sh\necho "$1" >>/run/marker\n';

let dir: string;
let env: Record<string, string>;
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

async function config(name: string, yaml: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `host:\n  uri: qemu:///system\n${yaml}`);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "frost-ready-"));
  env = { FROST_STATE_DIR: join(dir, "state") };
  await writeFile(join(dir, "marker.sh"), MARKER);
  await Promise.all([
    lab("define", READY, "channel", "--start", "--wait-agent"),
    lab("define", NOCHAN, "controller", "--start"),
    lab("define", STOPPED, "channel", "--start", "--wait-agent"),
  ]);
  await guestShell(STOPPED, "touch /run/qga.off; kill $(pidof qemu-ga); while pidof qemu-ga >/dev/null; do sleep 0.1; done");
  // libvirt notices the agent's end a moment later (until then a ping says "Guest agent disappeared while executing command").
  for (let i = 0; i < 100 && !/state='disconnected'/.test(await domainXml(STOPPED)); i++) await new Promise((r) => setTimeout(r, 100));
});

afterAll(async () => {
  await Promise.all([READY, NOCHAN, STOPPED].map((n) => lab("undefine", n)));
});

describe("frost status: agent readiness", () => {
  it("shows a connected agent with fsfreeze enabled and its hook, a domain without a channel, and a stopped agent", async () => {
    const cfg = await config(
      "status.yaml",
      `instances:\n  ${READY}:\n    adopt: true\n    agent: true\n  ${NOCHAN}:\n    adopt: true\n  ${STOPPED}:\n    adopt: true\n    agent: true\n`,
    );
    const text = await frost(["status", "-c", cfg], { env });
    expect(text.stderr).toBe("");
    expect(text.code).toBe(1); // the stopped agent is a warning
    expect(text.stdout).toMatch(
      new RegExp(
        `OK +instance\\.${READY}: running, channel connected, agent ok 7\\.2\\.\\d+ \\(fsfreeze enabled, hook present: 10-frost-log\\), filesystems thawed`,
      ),
    );
    expect(text.stdout).toContain(`instance.${NOCHAN}: running, channel absent, agent no-channel, filesystems -`);
    expect(text.stdout).toMatch(
      new RegExp(`WARN instance\\.${STOPPED}: running, channel disconnected, agent not-connected, .*agent not-connected`),
    );

    const json = await frost(["status", "-c", cfg, "--json"], { env });
    const report = JSON.parse(json.stdout) as {
      instances: { instance: string; agent: string; channel: string; readiness?: Record<string, unknown> }[];
    };
    const byName = Object.fromEntries(report.instances.map((i) => [i.instance, i]));
    expect(byName[READY]?.readiness).toMatchObject({
      fsfreeze: "enabled",
      exec: "enabled",
      fileAccess: "enabled",
      hook: "present",
      agentHook: "/etc/qemu/fsfreeze-hook",
      hooks: [{ name: "10-frost-log", executable: true }],
    });
    expect(byName[READY]?.readiness?.["version"]).toMatch(/^7\.2\.\d+$/);
    expect(byName[NOCHAN]).toMatchObject({ channel: "absent", agent: "no-channel" });
    expect(byName[NOCHAN]?.readiness).toBeUndefined();
    expect(byName[STOPPED]).toMatchObject({ channel: "disconnected", agent: "not-connected" });
    expect(byName[STOPPED]?.readiness).toBeUndefined();
  });
});

describe("fsfreeze hooks as desired state", () => {
  let cfg: string;

  beforeAll(async () => {
    cfg = await config(
      "hooks.yaml",
      `instances:\n  ${READY}:\n    adopt: true\n    agent: true\n    quiesce: required\n    fsfreezeHooks:\n      20-marker: ./marker.sh\n`,
    );
  });

  it("installs a declared hook through the agent, and it runs at the next quiesced snapshot", async () => {
    const planned = await frost(["plan", "-c", cfg], { env });
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain(`~ instance.${READY}: install fsfreeze hook 20-marker`);
    const applied = await frost(["apply", "-c", cfg, "--auto-approve"], { env });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/installed \/etc\/qemu\/fsfreeze-hook\.d\/20-marker \(sha256 [0-9a-f]{12}…, executable\)/);
    expect(await readGuestFile(READY, HOOK)).toBe(MARKER);
    expect((await frost(["plan", "-c", cfg, "--detailed-exitcode"], { env })).code).toBe(0);

    const snap = await frost(["snapshot", READY, "-c", cfg], { env: { ...env, FROST_NOW: "2026-11-25T11:00:00Z" } });
    expect(snap.code).toBe(0);
    expect(snap.stdout).toContain("filesystem-consistent");
    expect(await readGuestFile(READY, "/run/marker")).toBe("freeze\nthaw\n");
  });

  it("shows a hook changed in the guest as drift, with both digests, and replaces it", async () => {
    await guestShell(READY, `echo "# edited by hand" >>${HOOK}`);
    const edited = `${MARKER}# edited by hand\n`;
    const planned = await frost(["plan", "-c", cfg, "--detailed-exitcode"], { env });
    expect(planned.code).toBe(2);
    expect(planned.stdout).toContain(
      `~ instance.${READY}: replace fsfreeze hook 20-marker (changed in the guest: sha256 ${sha(edited).slice(0, 12)}… ≠ ${sha(MARKER).slice(0, 12)}…)`,
    );
    expect((await frost(["apply", "-c", cfg, "--auto-approve"], { env })).code).toBe(0);
    expect(await readGuestFile(READY, HOOK)).toBe(MARKER);
    expect((await guestShell(READY, `ls -l ${HOOK}`)).trim()).toMatch(/^-rwxr-xr-x/);
  });

  it("replaces the guest's copy when the local file changes, and status lists the hook", async () => {
    const v2 = `${MARKER}exit 0\n`;
    await writeFile(join(dir, "marker.sh"), v2);
    const planned = await frost(["plan", "-c", cfg], { env });
    expect(planned.stdout).toContain(
      `replace fsfreeze hook 20-marker (changed in the guest: sha256 ${sha(MARKER).slice(0, 12)}… ≠ ${sha(v2).slice(0, 12)}…)`,
    );
    expect((await frost(["apply", "-c", cfg, "--auto-approve"], { env })).code).toBe(0);
    expect(await readGuestFile(READY, HOOK)).toBe(v2);
    const status = await frost(["status", "-c", cfg], { env });
    expect(status.stdout).toContain("hook present: 10-frost-log, 20-marker)");
  });

  it("a hook file that cannot be read is a plan error at the instance's position", async () => {
    const bad = await config("bad.yaml", `instances:\n  ${READY}:\n    adopt: true\n    fsfreezeHooks:\n      30-gone: ./gone.sh\n`);
    const r = await frost(["plan", "-c", bad], { env });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      new RegExp(`bad\\.yaml:4:3: error: instance ${READY}: fsfreeze hook 30-gone: cannot read .*gone\\.sh: no such file`),
    );
  });
});
