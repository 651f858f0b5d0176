import type { Clock } from "../../../clock.js";
import type { OpenStackCloud } from "../cloud.js";
import type { ComputeAccess } from "../../../compute.js";
import { MARK, readSnapshotRecord, snapshotProperties, type NovaConsistency } from "../markers.js";
import type { OpenStackStep } from "../steps-model.js";
import { waitFor, type OpenStackWaits } from "./wait.js";

type Step<K extends OpenStackStep["kind"]> = Extract<OpenStackStep, { kind: K }>;

/**
 * A snapshot through Nova's createImage, failing closed where Nova does not:
 * - quiesce required and the server booted without the agent property: refused (Nova cannot quiesce);
 * - quiesce required and the agent does not answer a guest-ping (through the compute host's
 *   libvirt, with a deadline): refused before Nova is asked, because Nova would snapshot without
 *   freezing; no image is created;
 * - quiesce required and no way to ping the agent: refused, unless the host accepted Nova's own
 *   enforcement (`novaQuiesceAccepted`; the record then says `unverified`);
 * - Nova's silent failure (202 and an image id, then no image): reported as a failed snapshot with
 *   what os-instance-actions says;
 * - every wait has a deadline.
 * The record on the image says what frost knows: `filesystem` when the agent answered just before
 * (Nova freezes through it), `crash` when it did not, `unverified` when frost could not ask.
 */
export async function takeNovaSnapshot(
  cloud: OpenStackCloud,
  computeFor: (uri: string) => ComputeAccess,
  step: Step<"openstack-snapshot">,
  clock: Clock,
  waits: Required<OpenStackWaits>,
): Promise<{ detail: string; warnings: string[] }> {
  const warnings: string[] = [];
  const required = step.request.quiesce === "required";
  const server = await cloud.getServer(step.serverId);
  if (!server) throw new Error(`server ${step.server} (${step.serverId}) no longer exists; no snapshot was requested`);
  if (server.status !== "ACTIVE") throw new Error(`server ${step.server} is ${server.status}, not ACTIVE; no snapshot was requested`);
  if (required && step.bootAgent === false) {
    throw new Error(
      `refused: quiesce is required, but ${step.server} booted without hw_qemu_guest_agent, so Nova cannot freeze it; no snapshot was requested (rebuild the server with frost apply --allow-rebuild)`,
    );
  }
  let consistency: NovaConsistency = "unverified";
  if (step.agentCheck) {
    const probe = await computeFor(step.agentCheck.uri)
      .pingAgent(step.agentCheck.domain, waits.pingMs)
      .catch((e: unknown) => ({ status: "error" as const, message: (e as Error).message }));
    if (probe.status === "ok") consistency = "filesystem";
    else {
      const why = `${probe.status}${probe.message ? `: ${probe.message}` : ""}`;
      if (required) {
        throw new Error(
          `refused: the guest agent of ${step.server} (${step.agentCheck.domain} on ${step.agentCheck.uri}) does not answer (${why}); quiesce is required and Nova would snapshot without freezing, so no snapshot was requested`,
        );
      }
      consistency = "crash";
      warnings.push(`the guest agent does not answer (${why}): Nova takes this snapshot without freezing (crash-consistent)`);
    }
  } else if (required) {
    if (step.novaQuiesceAccepted === undefined) {
      throw new Error(
        `refused: quiesce is required, but frost cannot check the guest agent of ${step.server} before asking Nova, and the host does not accept Nova's own enforcement (trustNovaQuiesce); no snapshot was requested`,
      );
    }
    warnings.push(
      `frost could not check the agent first; Nova's own enforcement accepted by ${step.novaQuiesceAccepted} (Nova snapshots without freezing when the agent is disconnected)`,
    );
  }

  const properties = snapshotProperties(
    {
      instance: step.server,
      ...(step.request.schedule !== undefined ? { schedule: step.request.schedule } : {}),
      ...(step.request.scheduledAt !== undefined ? { scheduledAt: step.request.scheduledAt } : {}),
      takenAt: clock.now().toISOString(),
      quiesce: step.request.quiesce,
      consistency,
    },
    step.owner,
  );
  const answer = await cloud.createSnapshot(step.serverId, step.imageName, properties);
  try {
    await waitFor(
      () => cloud.getImage(answer.imageId),
      (image) => {
        if (!image || image.status === "killed" || image.status === "deleted" || image.status === "pending_delete") {
          return { failed: `image ${answer.imageId} is ${image ? image.status : "gone"}` };
        }
        return image.status === "active" ? "done" : "wait";
      },
      { pollMs: waits.pollMs, deadlineMs: waits.snapshotMs, timers: waits.timers },
      (image) =>
        `snapshot ${step.imageName} is not active after ${Math.round(waits.snapshotMs / 1000)} s (image ${answer.imageId} is ${image?.status ?? "gone"}); it is left in Glance for inspection`,
    );
  } catch (e) {
    throw new Error(
      `Nova did not make snapshot ${step.imageName} of ${step.server}: ${(e as Error).message}${await actionVerdict(cloud, step.serverId, answer.requestId)}`,
    );
  }
  const what =
    consistency === "filesystem"
      ? "agent answered, Nova froze the guest"
      : consistency === "crash"
        ? "crash-consistent"
        : "consistency unverified";
  return { detail: `${step.imageName}: image ${answer.imageId} (${what})`, warnings };
}

/** What os-instance-actions says of the createImage request: `; os-instance-actions: createImage req-… → Error (compute_snapshot_instance: Error)`. */
async function actionVerdict(cloud: OpenStackCloud, serverId: string, requestId: string | undefined): Promise<string> {
  try {
    let id = requestId;
    if (id === undefined) id = (await cloud.listInstanceActions(serverId)).find((a) => a.action === "createImage")?.requestId;
    if (id === undefined) return "; os-instance-actions has no createImage action";
    const action = await cloud.getInstanceAction(serverId, id);
    const events = action.events.map((e) => `${e.event}: ${e.result ?? "running"}`).join(", ");
    return `; os-instance-actions: ${action.action} ${id} → ${action.message ?? "no error recorded"}${events ? ` (${events})` : ""}`;
  } catch (e) {
    return `; os-instance-actions could not be read: ${(e as Error).message}`;
  }
}

/** Deletes a snapshot image, after checking it is still one frost took of this server. */
export async function deleteNovaSnapshot(cloud: OpenStackCloud, step: Step<"openstack-delete-snapshot">): Promise<{ detail: string }> {
  const image = await cloud.getImage(step.imageId);
  if (!image) return { detail: `${step.imageName}: already gone` };
  const record = readSnapshotRecord(image.properties);
  if (record?.instance !== step.server || image.properties["instance_uuid"] !== step.serverId || image.properties[MARK.snapshot] !== "v1") {
    throw new Error(
      `refused: Glance image ${step.imageId} (${image.name}) is not a snapshot frost took of ${step.server}; nothing was deleted`,
    );
  }
  await cloud.deleteImage(step.imageId);
  return { detail: `deleted ${step.imageName} (image ${step.imageId})` };
}
