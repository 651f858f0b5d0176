import { fileDigest } from "../../../images/image-facts.js";
import type { GlanceImage, OpenStackCloud } from "../cloud.js";
import { MARK, isUploaded } from "../markers.js";
import type { OpenStackStep, PlannedFile } from "../steps-model.js";

type Step<K extends OpenStackStep["kind"]> = Extract<OpenStackStep, { kind: K }>;

/** Refuses a file whose content is no longer what was planned (a saved plan may be old). */
async function checkPlanned(file: PlannedFile): Promise<void> {
  const digest = await fileDigest(file.path);
  if (digest !== file.digest)
    throw new Error(`${file.path} changed since the plan (${file.digest} then, ${digest} now); nothing was uploaded: plan again`);
}

/**
 * Creates a Glance image and streams a file into it. An upload that fails leaves nothing behind:
 * the image frost just created (still queued or saving) is deleted.
 */
async function createAndUpload(
  cloud: OpenStackCloud,
  spec: { name: string; diskFormat: string; containerFormat: string; properties: Record<string, string> },
  file: PlannedFile,
): Promise<GlanceImage> {
  const image = await cloud.createImage(spec);
  try {
    await cloud.uploadImage(image.id, file.path, file.bytes);
  } catch (e) {
    await cloud.deleteImage(image.id).catch(() => undefined);
    throw new Error(`uploading ${file.path} to Glance image ${image.id} failed (the image was deleted again): ${(e as Error).message}`);
  }
  const after = await cloud.getImage(image.id);
  if (after?.status !== "active") throw new Error(`Glance image ${image.id} is ${after?.status ?? "gone"} after its upload, not active`);
  return after;
}

/** A kernel or ramdisk part: reused when frost uploaded that very content before, else uploaded. */
async function ensurePart(
  cloud: OpenStackCloud,
  images: GlanceImage[],
  image: string,
  part: "kernel" | "ramdisk",
  file: PlannedFile,
): Promise<GlanceImage> {
  const existing = images.find(
    (g) => isUploaded(g.properties, image, part) && g.properties[MARK.sha256] === file.digest && g.status === "active",
  );
  if (existing) return existing;
  const format = part === "kernel" ? "aki" : "ari";
  return createAndUpload(
    cloud,
    {
      name: `${image}-${part}`,
      diskFormat: format,
      containerFormat: format,
      properties: { [MARK.image]: image, [MARK.part]: part, [MARK.sha256]: file.digest },
    },
    file,
  );
}

/** Uploads an image (kernel and ramdisk first) with its declared properties and frost's marks. */
export async function uploadImage(cloud: OpenStackCloud, step: Step<"openstack-upload-image">): Promise<{ detail: string }> {
  for (const f of [step.file, step.kernel, step.ramdisk]) if (f) await checkPlanned(f);
  const images = step.kernel || step.ramdisk ? await cloud.listImages() : [];
  const kernel = step.kernel ? await ensurePart(cloud, images, step.image, "kernel", step.kernel) : undefined;
  const ramdisk = step.ramdisk ? await ensurePart(cloud, images, step.image, "ramdisk", step.ramdisk) : undefined;
  const uploaded = await createAndUpload(
    cloud,
    {
      name: step.image,
      diskFormat: step.diskFormat,
      containerFormat: "bare",
      properties: {
        ...step.properties,
        ...(kernel ? { kernel_id: kernel.id } : {}),
        ...(ramdisk ? { ramdisk_id: ramdisk.id } : {}),
        ...(step.cmdline !== undefined ? { os_command_line: step.cmdline } : {}),
      },
    },
    step.file,
  );
  return { detail: `Glance image ${uploaded.id}${kernel ? ` (kernel ${kernel.id}, ramdisk ${ramdisk?.id ?? "none"})` : ""}` };
}

/** Patches an image's properties, after checking each touched property is still as planned. */
export async function patchImage(cloud: OpenStackCloud, step: Step<"openstack-patch-image">): Promise<{ detail: string }> {
  const image = await cloud.getImage(step.imageId);
  if (!image) throw new Error(`Glance image ${step.imageId} (${step.image}) no longer exists; nothing was changed: plan again`);
  const moved = Object.entries(step.expect).filter(([k, v]) => (image.properties[k] ?? null) !== v);
  if (moved.length > 0) {
    const what = moved.map(([k, v]) => `${k} was ${JSON.stringify(v)}, is ${JSON.stringify(image.properties[k] ?? null)}`).join("; ");
    throw new Error(`Glance image ${step.imageId} changed since the plan (${what}); nothing was changed: plan again`);
  }
  await cloud.patchImage(step.imageId, step.ops);
  const keys = step.ops.map((o) => o.path.slice(1)).filter((k) => k !== MARK.applied);
  return { detail: keys.length > 0 ? `set ${keys.join(", ")}` : "recorded the declared properties" };
}
