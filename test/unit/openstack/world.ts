import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyPlan, type ApplyResult } from "../../../reconcile/apply.js";
import { fixedClock } from "../../../reconcile/clock.js";
import { loadConfig } from "../../../reconcile/config/load.js";
import type { DesiredState } from "../../../reconcile/config/types.js";
import { fileDigest, type ImageObservation } from "../../../reconcile/images/image-facts.js";
import type { Plan } from "../../../reconcile/model.js";
import { observeHosts } from "../../../reconcile/observe.js";
import { FakeCloud } from "../../support/fake-openstack/fake-cloud.js";
import { plan, type HostObservation } from "../../../reconcile/plan/plan.js";
import { FreezeJournal } from "../../../reconcile/snapshots/freeze-journal.js";
import type { Env } from "../../../reconcile/provider.js";
import type { OpenStackConnection } from "../../../reconcile/providers/openstack/connection.js";
import { testEnv } from "../../support/env.js";

/** A temporary directory with an image file, and a configuration written there. */
export class OpenStackWorld {
  readonly dir = mkdtempSync(join(tmpdir(), "frost-os-"));
  readonly cloud = new FakeCloud();
  readonly journal = new FreezeJournal(join(this.dir, "state"));
  readonly image = join(this.dir, "guest.qcow2");
  /** Whether the compute host is reachable through libvirt (the host's compute: map). */
  compute = true;

  constructor() {
    writeFileSync(this.image, Buffer.alloc(4096, 7));
  }

  async load(yaml: string): Promise<DesiredState> {
    const file = join(this.dir, "frost.yaml");
    writeFileSync(file, yaml.replaceAll("@IMAGE@", this.image));
    const { desired, diagnostics } = await loadConfig(file);
    if (!desired || diagnostics.some((d) => d.severity === "error")) throw new Error(`config: ${JSON.stringify(diagnostics)}`);
    return desired;
  }

  observe(desired: DesiredState): Promise<Record<string, HostObservation>> {
    return observeHosts(desired, this.env(), { ping: true });
  }

  async plan(desired: DesiredState, now = "2026-11-25T12:00:00Z"): Promise<Plan> {
    const observations = await this.observe(desired);
    const images: Record<string, ImageObservation> = {};
    for (const image of Object.values(desired.images)) {
      images[image.name] = {
        status: "read",
        facts: { digest: await fileDigest(image.source), bytes: 4096, format: image.format, virtualSize: 4096 },
      };
    }
    return plan(desired, observations, { clock: fixedClock(now), images });
  }

  async apply(p: Plan, now = "2026-11-25T12:00:00Z"): Promise<ApplyResult> {
    return applyPlan(
      p,
      { preApply: () => {}, postApply: () => {} },
      { env: this.env(fixedClock(now)), waits: { pollMs: 1, serverMs: 2_000, snapshotMs: 2_000 } },
    );
  }

  /** The run's environment: the fake cloud for every OpenStack host, its compute host reachable as `compute` says. */
  env(clock = fixedClock("2026-11-25T12:00:00Z")): Env {
    const connection: OpenStackConnection = {
      cloud: this.cloud,
      computeFor: (uri: string) => {
        if (!this.compute) throw new Error(`cannot connect to ${uri}`);
        return this.cloud.compute();
      },
    };
    return testEnv({
      journal: this.journal,
      clock,
      connect: (host) => {
        if (host.kind !== "openstack") throw new Error("no libvirt host here");
        return connection;
      },
    });
  }
}

/** A cloud host with the fake compute host reachable, one image and one server built from it. */
export const BASE = `
hosts:
  cloud:
    kind: openstack
    cloud: fake
    compute: { fake-compute: "qemu:///system" }
images:
  guest:
    source: @IMAGE@
    format: qcow2
    properties:
      hw_qemu_guest_agent: "yes"
      os_require_quiesce: "yes"
instances:
  web:
    host: cloud
    image: guest
    flavor: frost.tiny
    networks: none
`;
