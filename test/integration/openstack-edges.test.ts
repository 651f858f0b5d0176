import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NovaServer, OpenStackCloud } from "../../reconcile/providers/openstack/cloud.js";
import { frost } from "../support/cli.js";
import { lab, virsh, waitForPing } from "../support/lab.js";
import { cleanUp, GUEST, guestDiskCopy, LAB_CLOUD, LAB_COMPUTE_HOST, labCloud, OS_ENV } from "../support/openstack.js";

// frost at the two edges of the lab's real OpenStack where Nova does not fail closed: a required
// quiesce that frost cannot check (no compute: entry for the server's compute host), and a server
// whose libvirt domain is gone while Nova still lists it ACTIVE. Glance, Nova's os-instance-actions
// and plain virsh are the independent witnesses; `lab up --openstack` is what repairs the second.
const PREFIX = "t-ose-";
let dir: string;
let cloud: OpenStackCloud;
let env: Record<string, string>;
let disk: string;

/** The configuration; `host` is what the cloud host has besides kind and cloud. Instance t-ose-web is on line 17. */
function config(name: string, host: string): Promise<string> {
  const file = join(dir, name);
  return writeFile(
    file,
    `hosts:
  cloud:
    kind: openstack
    cloud: ${LAB_CLOUD}
${host}images:
  t-ose-guest:
    source: ${disk}
    format: qcow2
    kernel: ${GUEST.kernel}
    initrd: ${GUEST.initrd}
    cmdline: "${GUEST.cmdline}"
    properties:
      hw_qemu_guest_agent: "yes"
      os_require_quiesce: "yes"
instances:
  t-ose-web: { host: cloud, image: t-ose-guest, flavor: frost.tiny, networks: none }
schedules:
  hourly:
    instances: [t-ose-web]
    cron: "0 * * * *"
    keep: { last: 2 }
`,
  ).then(() => file);
}

/** Each variant writes one line under the host, so that the instance stays on line 17. */
const UNLISTED = "    compute: {}\n";
const TRUSTING = "    trustNovaQuiesce: true\n";
const REACHED = `    compute: { ${LAB_COMPUTE_HOST}: "qemu:///system" }\n`;

async function web(): Promise<NovaServer> {
  const found = (await cloud.listServers()).find((s) => s.name === "t-ose-web");
  if (!found) throw new Error("no server t-ose-web");
  return found;
}

async function snapshotImages(): Promise<string[]> {
  return (await cloud.listImages())
    .map((g) => g.name)
    .filter((n) => n.startsWith("t-ose-web-"))
    .sort();
}

async function createImageActions(server: NovaServer): Promise<number> {
  return (await cloud.listInstanceActions(server.id)).filter((a) => a.action === "createImage").length;
}

function at(now: string): Record<string, string> {
  return { ...env, FROST_NOW: now };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "frost-ose-"));
  env = { ...OS_ENV, FROST_STATE_DIR: join(dir, "state") };
  cloud = labCloud();
  await cleanUp(cloud, PREFIX);
  disk = await guestDiskCopy(dir, "guest");
});

afterAll(async () => {
  await cleanUp(cloud, PREFIX);
});

describe("frost on OpenStack, where Nova does not fail closed", () => {
  it("refuses a required quiesce it cannot check: plan errs at the instance, apply and frost snapshot create no image", async () => {
    const cfg = await config("unlisted.yaml", UNLISTED);
    const boot = await frost(["apply", "-c", cfg, "--auto-approve"], { env: at("2026-11-25T09:30:00Z") });
    expect(boot.code, boot.stdout + boot.stderr).toBe(0);
    const server = await web();

    const p = await frost(["plan", "-c", cfg], { env: at("2026-11-25T10:00:30Z") });
    expect(p.code).toBe(1);
    expect(p.stdout + p.stderr).toContain(
      `${cfg}:17:3: error: instance t-ose-web: quiesce is required (snapshot @hourly), but frost cannot check the guest agent of server t-ose-web before asking Nova: compute host ${LAB_COMPUTE_HOST} is not listed under compute:`,
    );
    expect(p.stdout + p.stderr).toContain(`compute: { ${LAB_COMPUTE_HOST}: qemu+ssh://${LAB_COMPUTE_HOST}/system }`);
    expect(p.stdout + p.stderr).toContain("trustNovaQuiesce: true on host cloud");

    const a = await frost(["apply", "-c", cfg, "--auto-approve"], { env: at("2026-11-25T10:00:30Z") });
    expect(a.code).toBe(1);
    const s = await frost(["snapshot", "t-ose-web", "-c", cfg], { env: at("2026-11-25T10:05:00Z") });
    expect(s.code).toBe(1);
    expect(s.stderr).toContain(`${cfg}:17:3: error: instance t-ose-web: quiesce is required (snapshot on demand)`);

    expect(await snapshotImages()).toEqual([]);
    expect(await createImageActions(server)).toBe(0);
  });

  it("with trustNovaQuiesce: true, takes it through Nova: the plan line names the option, the record says unverified", async () => {
    const cfg = await config("trusting.yaml", TRUSTING);
    const p = await frost(["plan", "-c", cfg], { env: at("2026-11-25T10:00:30Z") });
    expect(p.code, p.stdout + p.stderr).toBe(0);
    expect(p.stdout).toContain(
      "+ snapshot server.t-ose-web @hourly (due since 2026-11-25 10:00 UTC; quiesce required; unchecked: Nova's own enforcement accepted by hosts.cloud.trustNovaQuiesce)",
    );
    const a = await frost(["apply", "-c", cfg, "--auto-approve"], { env: at("2026-11-25T10:00:30Z") });
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(a.stdout + a.stderr).toContain("accepted by hosts.cloud.trustNovaQuiesce");
    const snap = (await cloud.listImages()).find((g) => g.name === "t-ose-web-hourly-20261125T1000Z");
    expect(snap?.status).toBe("active");
    expect(snap?.properties).toMatchObject({ frost_consistency: "unverified", frost_quiesce: "required" });

    const s = await frost(["snapshot", "t-ose-web", "-c", cfg], { env: at("2026-11-25T10:05:00Z") });
    expect(s.code, s.stdout + s.stderr).toBe(0);
    expect(s.stdout).toContain(
      "+ snapshot server.t-ose-web (on demand; quiesce required; unchecked: Nova's own enforcement accepted by hosts.cloud.trustNovaQuiesce)",
    );
    const ondemand = (await cloud.listImages()).find((g) => g.name === "t-ose-web-ondemand-20261125T100500Z");
    expect(ondemand?.properties["frost_consistency"]).toBe("unverified");
  });

  it("reports a server whose domain is gone as broken, and sends it no snapshot request", async () => {
    const cfg = await config("reached.yaml", REACHED);
    const server = await web();
    const domain = server.instanceName as string;
    expect((await virsh("destroy", domain)).code).toBe(0);
    expect((await virsh("undefine", domain)).code).toBe(0);
    const actions = await createImageActions(server);

    const p = await frost(["plan", "-c", cfg], { env: at("2026-11-25T11:00:30Z") });
    expect(p.code).toBe(1);
    expect(p.stdout + p.stderr).toContain(
      `${cfg}:17:3: error: instance t-ose-web: Nova lists server t-ose-web (${server.id}) as ACTIVE on compute host ${LAB_COMPUTE_HOST}, but qemu:///system has no domain ${domain}`,
    );
    expect(p.stdout + p.stderr).toContain(`openstack server reboot --hard ${server.id}`);
    expect(p.stdout).not.toContain("+ snapshot server.t-ose-web");

    const a = await frost(["apply", "-c", cfg, "--auto-approve"], { env: at("2026-11-25T11:00:30Z") });
    expect(a.code).toBe(1);
    const s = await frost(["snapshot", "t-ose-web", "-c", cfg], { env: at("2026-11-25T11:05:00Z") });
    expect(s.code).toBe(1);
    const status = await frost(["status", "-c", cfg], { env: at("2026-11-25T11:05:00Z") });
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/CRIT instance\.t-ose-web: missing/);

    expect(await createImageActions(server)).toBe(actions);
    expect(await snapshotImages()).toEqual(["t-ose-web-hourly-20261125T1000Z", "t-ose-web-ondemand-20261125T100500Z"]);
    expect((await cloud.getServer(server.id))?.status).toBe("ACTIVE");
  });

  it("lab up --openstack deletes that server from Nova; frost then boots it anew and converges", async () => {
    const cfg = await config("reached.yaml", REACHED);
    const lost = await web();
    await lab("up", "--openstack");
    expect(await cloud.getServer(lost.id)).toBeUndefined();
    // Its snapshot images stay in Glance.
    expect(await snapshotImages()).toEqual(["t-ose-web-hourly-20261125T1000Z", "t-ose-web-ondemand-20261125T100500Z"]);

    const boot = await frost(["apply", "-c", cfg, "--auto-approve"], { env: at("2026-11-25T11:00:30Z") });
    expect(boot.code, boot.stdout + boot.stderr).toBe(0);
    const anew = await web();
    expect(anew.id).not.toBe(lost.id);
    expect(await waitForPing(anew.instanceName as string, 90_000)).toBe(true);
    const snap = await frost(["apply", "-c", cfg, "--auto-approve"], { env: at("2026-11-25T11:00:30Z") });
    expect(snap.code, snap.stdout + snap.stderr).toBe(0);
    expect(snap.stdout).toContain("t-ose-web-hourly-20261125T1100Z");
    const again = await frost(["plan", "-c", cfg, "--detailed-exitcode"], { env: at("2026-11-25T11:10:00Z") });
    expect(again.stdout).toContain("No changes");
    expect(again.code).toBe(0);
  });
});
