import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NovaServer, OpenStackCloud } from "../../reconcile/providers/openstack/cloud.js";
import { frost } from "../support/cli.js";
import { hasAgentChannel, hookLines, readGuestFile, virsh, waitForPing } from "../support/lab.js";
import {
  bootServer,
  cleanUp,
  CLOUDS_YAML,
  GUEST,
  guestDiskCopy,
  LAB_CLOUD,
  LAB_COMPUTE_HOST,
  labCloud,
  OS_ENV,
  uploadGuest,
} from "../support/openstack.js";

// frost against the lab's real OpenStack (Keystone, Glance, Placement, Neutron, Nova on the lab's
// libvirt), the guest's own fsfreeze hook as the witness and the OpenStack API and plain virsh as
// independent clients. Never a hung agent through Nova: that wedges nova-compute.
const PREFIX = "t-os-";
let dir: string;
let cloud: OpenStackCloud;
let env: Record<string, string>;
let disk: string;

function config(name: string, extra = ""): Promise<string> {
  const file = join(dir, name);
  return writeFile(
    file,
    `hosts:
  cloud:
    kind: openstack
    cloud: ${LAB_CLOUD}
    compute: { ${LAB_COMPUTE_HOST}: "qemu:///system" }
images:
  t-os-guest:
    source: ${disk}
    format: qcow2
    kernel: ${GUEST.kernel}
    initrd: ${GUEST.initrd}
    cmdline: "${GUEST.cmdline}"
    properties:
      hw_qemu_guest_agent: "yes"
      os_require_quiesce: "yes"
instances:
  t-os-web: { host: cloud, image: t-os-guest, flavor: frost.tiny, networks: none }
${extra}`,
  ).then(() => file);
}

const HOURLY = `schedules:
  hourly:
    instances: [t-os-web]
    cron: "0 * * * *"
    keep: { last: 2 }
`;

async function web(): Promise<NovaServer> {
  const found = (await cloud.listServers()).find((s) => s.name === "t-os-web");
  if (!found) throw new Error("no server t-os-web");
  return found;
}

async function imageNames(): Promise<string[]> {
  return (await cloud.listImages())
    .map((g) => g.name)
    .filter((n) => n.startsWith(PREFIX))
    .sort();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "frost-os-"));
  env = { ...OS_ENV, FROST_STATE_DIR: join(dir, "state"), FROST_NOW: "2026-11-25T09:30:00Z" };
  cloud = labCloud();
  await cleanUp(cloud, PREFIX);
  disk = await guestDiskCopy(dir, "guest");
});

afterAll(async () => {
  await cleanUp(cloud, PREFIX);
});

describe("frost on OpenStack", () => {
  it("uploads the image with its properties and boots the server; a second plan is empty", async () => {
    const cfg = await config("base.yaml");
    const p = await frost(["plan", "-c", cfg], { env });
    expect(p.stdout).toContain("+ image.t-os-guest");
    expect(p.stdout).toContain("+ server.t-os-web");
    const a = await frost(["apply", "-c", cfg, "--auto-approve"], { env });
    expect(a.stdout + a.stderr).toContain("Apply complete");
    expect(a.code).toBe(0);
    const image = (await cloud.listImages()).find((g) => g.name === "t-os-guest");
    expect(image?.properties).toMatchObject({ hw_qemu_guest_agent: "yes", os_require_quiesce: "yes", os_command_line: GUEST.cmdline });
    const again = await frost(["plan", "-c", cfg, "--detailed-exitcode"], { env });
    expect(again.stdout).toContain("No changes");
    expect(again.code).toBe(0);
  });

  it("gives the server the agent channel in its domain XML", async () => {
    const server = await web();
    expect(server.status).toBe("ACTIVE");
    expect(await hasAgentChannel(server.instanceName as string)).toBe(true);
    expect(await waitForPing(server.instanceName as string, 90_000)).toBe(true);
  });

  it("shows a property changed with the API as drift, and sets it back", async () => {
    const cfg = await config("base.yaml");
    const image = (await cloud.listImages()).find((g) => g.name === "t-os-guest");
    await cloud.patchImage(image?.id as string, [{ op: "add", path: "/hw_qemu_guest_agent", value: "no" }]);
    const p = await frost(["plan", "-c", cfg, "--detailed-exitcode"], { env });
    expect(p.code).toBe(2);
    expect(p.stdout).toMatch(/changed outside frost.*hw_qemu_guest_agent "yes" → "no"/);
    expect(p.stdout).toContain("~ image.t-os-guest");
    const a = await frost(["apply", "-c", cfg, "--auto-approve"], { env });
    expect(a.code).toBe(0);
    expect((await cloud.getImage(image?.id as string))?.properties["hw_qemu_guest_agent"]).toBe("yes");
    expect((await frost(["plan", "-c", cfg, "--detailed-exitcode"], { env })).code).toBe(0);
  });

  it("saves a plan that names the cloud and never its password, and applies exactly it", async () => {
    const password = /password:\s*"?([^"\n]+)"?/.exec(await readFile(CLOUDS_YAML, "utf8"))?.[1]?.trim();
    expect(password).toBeTruthy();
    const cfg = await config("base.yaml");
    await writeFile(
      cfg,
      (await readFile(cfg, "utf8")).replace('os_require_quiesce: "yes"', 'os_require_quiesce: "yes"\n      hw_watchdog_action: reset'),
    );
    const planFile = join(dir, "saved.plan");
    const p = await frost(["plan", "-c", cfg, "--out", planFile], { env });
    expect(p.code, p.stdout + p.stderr).toBe(0);
    const saved = await readFile(planFile, "utf8");
    expect(saved).toContain("openstack:frost-lab");
    expect(saved).not.toContain(password as string);
    expect(p.stdout + p.stderr).not.toContain(password as string);
    const a = await frost(["apply", planFile], { env });
    expect(a.code, a.stdout + a.stderr).toBe(0);
    const image = (await cloud.listImages()).find((g) => g.name === "t-os-guest");
    expect(image?.properties["hw_watchdog_action"]).toBe("reset");
    // Declared no more: frost set it, so frost removes it.
    const back = await frost(["apply", "-c", await config("base.yaml"), "--auto-approve"], { env });
    expect(back.code).toBe(0);
    expect((await cloud.getImage(image?.id as string))?.properties["hw_watchdog_action"]).toBeUndefined();
  });

  it("takes a scheduled snapshot through createImage while the guest is frozen, and records it on the image", async () => {
    const cfg = await config("hourly.yaml", HOURLY);
    const domain = (await web()).instanceName as string;
    const before = await readGuestFile(domain, "/run/fsfreeze-hook.log").catch(() => "");
    const a = await frost(["apply", "-c", cfg, "--auto-approve"], { env: { ...env, FROST_NOW: "2026-11-25T10:00:30Z" } });
    expect(a.stdout + a.stderr).toContain("t-os-web-hourly-20261125T1000Z");
    expect(a.code).toBe(0);
    const after = await readGuestFile(domain, "/run/fsfreeze-hook.log");
    expect(hookLines(after.slice(before.length))).toEqual(["frozen", "thawed"]);
    const snap = (await cloud.listImages()).find((g) => g.name === "t-os-web-hourly-20261125T1000Z");
    expect(snap?.status).toBe("active");
    expect(snap?.properties).toMatchObject({
      frost_schedule: "hourly",
      frost_scheduled_at: "2026-11-25T10:00:00.000Z",
      frost_consistency: "filesystem",
      frost_quiesce: "required",
    });
    const later = await frost(["plan", "-c", cfg, "--detailed-exitcode"], { env: { ...env, FROST_NOW: "2026-11-25T10:30:00Z" } });
    expect(later.code).toBe(0);
    const status = await frost(["status", "-c", cfg], { env: { ...env, FROST_NOW: "2026-11-25T10:30:00Z" } });
    expect(status.stdout).toMatch(/OK +instance\.t-os-web: running, channel connected, agent ok.*1 frost snapshot\(s\)/);
    expect(status.code, status.stdout).toBe(0);
  });

  it("takes an on-demand snapshot of a server with frost snapshot, the agent checked first", async () => {
    const cfg = await config("hourly.yaml", HOURLY);
    const r = await frost(["snapshot", "t-os-web", "-c", cfg], { env: { ...env, FROST_NOW: "2026-11-25T10:40:00Z" } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("t-os-web-ondemand-20261125T104000Z: image");
    const image = (await cloud.listImages()).find((g) => g.name === "t-os-web-ondemand-20261125T104000Z");
    expect(image?.properties).toMatchObject({ frost_snapshot: "v1", frost_consistency: "filesystem" });
    expect(image?.properties["frost_schedule"]).toBeUndefined();
  });

  it("retention deletes exactly frost's expired snapshot images, nothing else", async () => {
    const cfg = await config("hourly.yaml", HOURLY);
    const server = await web();
    // An image someone else made, named like frost's and tagged with the server: not frost's record.
    await cloud.createImage({
      name: "t-os-web-hourly-20261125T0900Z",
      diskFormat: "qcow2",
      containerFormat: "bare",
      properties: { instance_uuid: server.id },
    });
    for (const at of ["2026-11-25T11:00:30Z", "2026-11-25T12:00:30Z"]) {
      const a = await frost(["apply", "-c", cfg, "--auto-approve"], { env: { ...env, FROST_NOW: at } });
      expect(a.code, a.stdout + a.stderr).toBe(0);
    }
    // The on-demand snapshot belongs to no schedule: no retention deletes it.
    expect((await imageNames()).filter((n) => n.startsWith("t-os-web-"))).toEqual([
      "t-os-web-hourly-20261125T0900Z",
      "t-os-web-hourly-20261125T1100Z",
      "t-os-web-hourly-20261125T1200Z",
      "t-os-web-ondemand-20261125T104000Z",
    ]);
    expect(await imageNames()).toEqual(expect.arrayContaining(["t-os-guest", "t-os-guest-kernel", "t-os-guest-ramdisk"]));
  });

  it("reports Nova's silent failure (202, then no image) as a failed snapshot", async () => {
    const image = await uploadGuest(cloud, dir, "t-os-legacy-img", { os_require_quiesce: "yes" });
    await bootServer(cloud, "t-os-legacy", image.id);
    const cfg = join(dir, "legacy.yaml");
    await writeFile(
      cfg,
      `hosts:
  cloud: { kind: openstack, cloud: ${LAB_CLOUD}, owner: legacy, compute: { ${LAB_COMPUTE_HOST}: "qemu:///system" } }
instances:
  t-os-legacy: { host: cloud, adopt: true, quiesce: preferred }
schedules:
  hourly: { instances: [t-os-legacy], cron: "0 * * * *", keep: { last: 2 } }
`,
    );
    const a = await frost(["apply", "-c", cfg, "--auto-approve"], { env: { ...env, FROST_NOW: "2026-11-25T10:00:30Z" } });
    const out = a.stdout + a.stderr;
    expect(a.code).toBe(1);
    expect(out).toMatch(/Nova did not make snapshot t-os-legacy-hourly-20261125T1000Z/);
    expect(out).toMatch(/createImage req-[0-9a-f-]+ → Error/);
    expect(await imageNames()).not.toContain("t-os-legacy-hourly-20261125T1000Z");
  });

  it("refuses a required quiesce when the guest agent is stopped: no image is created", async () => {
    const cfg = await config("hourly.yaml", HOURLY);
    const server = await web();
    const domain = server.instanceName as string;
    // The lab guest's switch: /run/qga.off keeps its respawn loop from starting qemu-ga again.
    const stop = JSON.stringify({
      execute: "guest-exec",
      arguments: { path: "/bin/sh", arg: ["-c", "touch /run/qga.off; sleep 1; kill $(pidof qemu-ga)"] },
    });
    expect((await virsh("qemu-agent-command", domain, stop)).code).toBe(0);
    const deadline = Date.now() + 30_000;
    while ((await virsh("qemu-agent-command", domain, '{"execute":"guest-ping"}', "--timeout", "3")).code === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
    }
    const actionsBefore = (await cloud.listInstanceActions(server.id)).filter((x) => x.action === "createImage").length;
    const a = await frost(["apply", "-c", cfg, "--auto-approve"], { env: { ...env, FROST_NOW: "2026-11-25T13:00:30Z" } });
    const out = a.stdout + a.stderr;
    expect(a.code).toBe(1);
    expect(out).toMatch(/refused: the guest agent of t-os-web .* does not answer/);
    expect(await imageNames()).not.toContain("t-os-web-hourly-20261125T1300Z");
    expect((await cloud.listInstanceActions(server.id)).filter((x) => x.action === "createImage").length).toBe(actionsBefore);
  });

  it("plans a rebuild when the agent property was set after boot, and rebuilds only with --allow-rebuild", async () => {
    const cfg = join(dir, "rebuild.yaml");
    const write = (agent: string) =>
      writeFile(
        cfg,
        `hosts:
  cloud: { kind: openstack, cloud: ${LAB_CLOUD}, owner: rebuild, compute: { ${LAB_COMPUTE_HOST}: "qemu:///system" } }
images:
  t-os-rb-img:
    source: ${disk}
    format: qcow2
    kernel: ${GUEST.kernel}
    initrd: ${GUEST.initrd}
    cmdline: "${GUEST.cmdline}"
    properties: { hw_qemu_guest_agent: "${agent}" }
instances:
  t-os-rb: { host: cloud, image: t-os-rb-img, flavor: frost.tiny, networks: none }
`,
      );
    await write("no");
    expect((await frost(["apply", "-c", cfg, "--auto-approve"], { env })).code).toBe(0);
    const server = (await cloud.listServers()).find((s) => s.name === "t-os-rb") as NovaServer;
    expect(await hasAgentChannel(server.instanceName as string)).toBe(false);
    await write("yes");
    const p = await frost(["plan", "-c", cfg], { env });
    expect(p.stdout).toContain("~ server.t-os-rb: hw_qemu_guest_agent set after boot; takes effect after rebuild");
    const refused = await frost(["apply", "-c", cfg, "--auto-approve"], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--allow-rebuild");
    expect(await hasAgentChannel(server.instanceName as string)).toBe(false);
    const a = await frost(["apply", "-c", cfg, "--auto-approve", "--allow-rebuild"], { env });
    expect(a.code, a.stdout + a.stderr).toBe(0);
    const rebuilt = (await cloud.getServer(server.id)) as NovaServer;
    expect(await hasAgentChannel(rebuilt.instanceName as string)).toBe(true);
    expect((await frost(["plan", "-c", cfg, "--detailed-exitcode"], { env })).code).toBe(0);
  });

  it("destroys a server frost created and no longer declares, only with --allow-destroy", async () => {
    const cfg = join(dir, "rebuild.yaml");
    const server = (await cloud.listServers()).find((s) => s.name === "t-os-rb") as NovaServer;
    await writeFile(cfg, (await readFile(cfg, "utf8")).replace(/instances:[\s\S]*/, ""));
    const p = await frost(["plan", "-c", cfg], { env });
    expect(p.stdout).toContain("- server.t-os-rb");
    const refused = await frost(["apply", "-c", cfg, "--auto-approve"], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--allow-destroy");
    expect(await cloud.getServer(server.id)).toBeDefined();
    const a = await frost(["apply", "-c", cfg, "--auto-approve", "--allow-destroy"], { env });
    expect(a.code, a.stdout + a.stderr).toBe(0);
    // Nova may still show a deleted server for a moment, as DELETED, before it answers 404.
    expect((await cloud.getServer(server.id))?.status ?? "gone").toMatch(/^(gone|DELETED)$/);
    expect((await virsh("domstate", server.instanceName as string)).code).not.toBe(0);
    // Servers of other configurations (another owner, or adopted) are not this one's to destroy.
    expect((await cloud.listServers()).map((s) => s.name)).toEqual(expect.arrayContaining(["t-os-web", "t-os-legacy"]));
  });
});
