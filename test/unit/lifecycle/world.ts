import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyPlan, type ApplyResult } from "../../../reconcile/apply.js";
import { fixedClock } from "../../../reconcile/clock.js";
import type { DesiredState, InstanceSpec } from "../../../reconcile/config/types.js";
import { FakeHypervisor } from "../../support/fake-libvirt/fake-hypervisor.js";
import { fileDigest, type ImageObservation } from "../../../reconcile/images/image-facts.js";
import type { Plan } from "../../../reconcile/model.js";
import { observeHosts } from "../../../reconcile/observe.js";
import { plan } from "../../../reconcile/plan/plan.js";
import { FreezeJournal } from "../../../reconcile/snapshots/freeze-journal.js";
import { DesiredBuilder } from "../../support/builders.js";
import { testEnv } from "../../support/env.js";

export const clock = fixedClock("2026-11-25T12:00:00Z");
const journal = new FreezeJournal(mkdtempSync(join(tmpdir(), "frost-journal-")));
const dir = mkdtempSync(join(tmpdir(), "frost-images-"));

/** An image source file with `content`, and its facts as qemu-img would give them. */
export async function imageFile(
  name: string,
  content: string,
  format: "qcow2" | "raw" = "qcow2",
): Promise<{ path: string; observation: ImageObservation }> {
  const path = join(dir, name);
  writeFileSync(path, content);
  return {
    path,
    observation: { status: "read", facts: { digest: await fileDigest(path), bytes: content.length, format, virtualSize: 64 * 1024 ** 2 } },
  };
}

/** A one-host configuration with image `tiny` from `source`, and instances made from it. */
export function desiredWith(
  source: string,
  instances: Record<string, Partial<InstanceSpec>>,
  host: Partial<DesiredState["hosts"][string]> = {},
): DesiredState {
  const desired = new DesiredBuilder().image("tiny", true).build();
  const image = desired.images["tiny"];
  if (image) image.source = source;
  const h = desired.hosts["default"];
  if (h) Object.assign(h, { poolPath: "/var/lib/frost-pool", domainType: "qemu" }, host);
  for (const [name, extra] of Object.entries(instances)) {
    desired.instances[name] = {
      name,
      host: "default",
      image: "tiny",
      adopt: false,
      protect: false,
      fsfreezeHooks: {},
      pos: { file: "frost.yaml", line: 20, col: 3 },
      ...extra,
    };
  }
  return desired;
}

export async function planOn(desired: DesiredState, hv: FakeHypervisor, images: Record<string, ImageObservation>): Promise<Plan> {
  return plan(desired, await observeHosts(desired, testEnv({ connect: () => hv, journal, clock }), { ping: false }), { clock, images });
}

export async function applyOn(p: Plan, hv: FakeHypervisor): Promise<ApplyResult> {
  return applyPlan(p, { preApply: () => {}, postApply: () => {} }, { env: testEnv({ connect: () => hv, journal, clock }) });
}

/** One line per change: `+ instance.web`, for compact assertions. */
export function lines(p: Plan): string[] {
  return p.changes.map((c) => `${c.action} ${c.address}`);
}
