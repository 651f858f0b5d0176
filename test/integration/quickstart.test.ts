import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { frost } from "../support/cli.js";
import { domainXml, hasAgentChannel, lab, ROOT, virsh, waitForPing } from "../support/lab.js";

const QUICKSTART = join(ROOT, "examples", "quickstart", "frost.yaml");

// The quickstart, end to end, against real libvirtd, QEMU and the real qemu-ga in the lab guest:
// the built binary plans and applies, and plain virsh (an independent client) checks the result.
describe("quickstart on the real lab", () => {
  beforeAll(async () => {
    await lab("reset");
  });

  it("plans one channel change for each of the three demo domains", async () => {
    const r = await frost(["plan", "-c", QUICKSTART, "--detailed-exitcode"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("~ instance.demo-live: add the guest-agent channel (hot-plug and persistent definition)");
    expect(r.stdout).toContain("~ instance.demo-nocontroller: add the guest-agent channel to the persistent definition");
    expect(r.stdout).toContain("restart needed");
    expect(r.stdout).toContain("~ instance.demo-off: add the guest-agent channel (domain is shut off)");
    expect(r.stdout).toContain("Plan: 0 to add, 3 to change, 0 to destroy.");
  });

  it("gives the same plan as a versioned JSON line stream, and narrows it with --target", async () => {
    const r = await frost(["plan", "-c", QUICKSTART, "--json"]);
    expect(r.code).toBe(0);
    const events = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: "version", format_version: "1.0" });
    expect(
      events
        .filter((e) => e.type === "planned_change")
        .map((e) => e.change.address)
        .sort(),
    ).toEqual(["instance.demo-live", "instance.demo-nocontroller", "instance.demo-off"]);
    expect(events.at(-1)).toMatchObject({ type: "change_summary", changes: { change: 3 }, applyable: true });

    const t = await frost(["plan", "-c", QUICKSTART, "--target", "instance.demo-off"]);
    expect(t.stdout).toContain("instance.demo-off");
    expect(t.stdout).not.toContain("instance.demo-live");
    expect(t.stdout).toContain("Plan: 0 to add, 1 to change, 0 to destroy.");
    const bad = await frost(["plan", "-c", QUICKSTART, "--target", "instance.demo-of"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--target/--exclude instance.demo-of names nothing in the configuration");
  });

  it("refuses to apply without a terminal or --auto-approve, and changes nothing", async () => {
    const before = await domainXml("demo-live");
    const r = await frost(["apply", "-c", QUICKSTART]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--auto-approve");
    expect(await domainXml("demo-live")).toBe(before);
  });

  it("rejects an invalid configuration with positions and leaves every domain as it was", async () => {
    const dir = await mkdtemp(join(tmpdir(), "frost-it-"));
    const bad = join(dir, "frost.yaml");
    const text = (await readFile(QUICKSTART, "utf8")).replace(
      "  demo-off:\n    adopt: true",
      "  demo-off:\n    adopt: true\n    agnet: true",
    );
    await writeFile(bad, text);
    const before = await Promise.all(["demo-live", "demo-nocontroller", "demo-off"].map((d) => domainXml(d, true)));
    const r = await frost(["apply", "-c", bad, "--auto-approve"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/frost\.yaml:\d+:5: error: .*agnet/);
    expect(r.stderr).toContain("agent");
    expect(r.stderr).toContain("nothing was changed");
    const after = await Promise.all(["demo-live", "demo-nocontroller", "demo-off"].map((d) => domainXml(d, true)));
    expect(after).toEqual(before);
  });

  it("applies the plan: channels where libvirt allows, and the hot-plugged agent answers", async () => {
    const r = await frost(["apply", "-c", QUICKSTART, "--auto-approve"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Apply complete: 3 applied.");

    expect(await hasAgentChannel("demo-live")).toBe(true);
    expect(await hasAgentChannel("demo-live", true)).toBe(true);
    expect(await waitForPing("demo-live", 60_000)).toBe(true);

    expect(await hasAgentChannel("demo-nocontroller")).toBe(false);
    expect(await hasAgentChannel("demo-nocontroller", true)).toBe(true);

    expect(await hasAgentChannel("demo-off", true)).toBe(true);
  });

  it("then plans no changes, and --detailed-exitcode says 0", async () => {
    const r = await frost(["plan", "-c", QUICKSTART, "--detailed-exitcode"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No changes.");
    expect(r.stdout).toMatch(/instance\.demo-nocontroller: the guest-agent channel is in the persistent definition/);
  });

  it("brings the channel live at the next full stop and start of the domain without a controller", async () => {
    expect((await virsh("destroy", "demo-nocontroller")).code).toBe(0);
    expect((await virsh("start", "demo-nocontroller")).code).toBe(0);
    expect(await waitForPing("demo-nocontroller", 90_000)).toBe(true);
    const r = await frost(["plan", "-c", QUICKSTART, "--detailed-exitcode"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("demo-nocontroller");
  });
});

describe("other paths on the real lab", () => {
  it("removes a channel with agent: false, live and persistent", async () => {
    await lab("define", "t-remove", "channel", "--start", "--wait-agent");
    const dir = await mkdtemp(join(tmpdir(), "frost-it-"));
    await writeFile(join(dir, "frost.yaml"), "host:\n  uri: qemu:///system\ninstances:\n  t-remove:\n    adopt: true\n    agent: false\n");
    const r = await frost(["apply", "-c", dir, "--auto-approve"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("~ instance.t-remove: remove the guest-agent channel (running domain and persistent definition)");
    expect(await hasAgentChannel("t-remove")).toBe(false);
    expect(await hasAgentChannel("t-remove", true)).toBe(false);
    expect((await frost(["plan", "-c", dir, "--detailed-exitcode"])).code).toBe(0);
    await lab("undefine", "t-remove");
  });

  it("remarks on a channel whose guest runs no agent, and plans nothing for it", async () => {
    await lab("define", "t-noagent", "channel", "--start", "--no-agent");
    const dir = await mkdtemp(join(tmpdir(), "frost-it-"));
    await writeFile(join(dir, "frost.yaml"), "host:\n  uri: qemu:///system\ninstances:\n  t-noagent:\n    adopt: true\n    agent: true\n");
    const r = await frost(["plan", "-c", dir, "--detailed-exitcode"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/instance\.t-noagent: no agent is connected to the channel/);
    await lab("undefine", "t-noagent");
  });

  it("fails the plan for an adopted domain that does not exist, naming the YAML position", async () => {
    const dir = await mkdtemp(join(tmpdir(), "frost-it-"));
    await writeFile(join(dir, "frost.yaml"), "host:\n  uri: qemu:///system\ninstances:\n  t-ghost:\n    adopt: true\n    agent: true\n");
    const r = await frost(["plan", "-c", dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /frost\.yaml:4:3: error: instance t-ghost is declared with adopt: true, but host default \(qemu:\/\/\/system\) has no domain named t-ghost/,
    );
    expect((await virsh("dominfo", "t-ghost")).code).not.toBe(0);
  });

  it("reports an unreachable host and exits 1", async () => {
    const dir = await mkdtemp(join(tmpdir(), "frost-it-"));
    await cp(QUICKSTART, join(dir, "frost.yaml"));
    const text = (await readFile(join(dir, "frost.yaml"), "utf8")).replace("qemu:///system", "qemu+ssh://root@127.0.0.1:1/system?no_tty=1");
    await writeFile(join(dir, "frost.yaml"), text);
    const r = await frost(["plan", "-c", dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Host default \(.*\) is unreachable: .*ssh: connect to host 127\.0\.0\.1 port 1: Connection refused/);
  });
});
