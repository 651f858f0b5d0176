import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { OpenStackError, type CreateImageSpec, type GlanceImage, type ImagePatchOp } from "../cloud.js";
import { unreadableAnswer } from "./failure.js";
import { toGlanceImage } from "./glance-image.js";
import { allPages, glancePage } from "./pagination.js";
import type { ServiceAnswer, ServiceClient } from "./service.js";

/** Images per page (Glance caps it at its api_limit_max, 1000 by default). */
export const IMAGE_PAGE_SIZE = 500;

/**
 * The upload deadline grows by a second per this many bytes beyond the request deadline: an upload
 * slower than 1 MiB/s (8 Mbit/s, a slow WAN link to a remote cloud) is taken for a stuck one.
 */
export const UPLOAD_BYTES_PER_SECOND = 1024 * 1024;

/** The deadline of an upload of `bytes`: the request deadline, and a second per MiB. */
export function uploadDeadlineMs(requestTimeoutMs: number, bytes: number): number {
  return requestTimeoutMs + Math.ceil(bytes / UPLOAD_BYTES_PER_SECOND) * 1000;
}

const JSON_PATCH = "application/openstack-images-v2.1-json-patch";

/** Glance v2: images, their data and properties. */
export class GlanceApi {
  constructor(private readonly client: ServiceClient) {}

  async listImages(): Promise<GlanceImage[]> {
    const items = await allPages(this.client, `/images?limit=${IMAGE_PAGE_SIZE}`, glancePage("images"));
    return items.map((item) => {
      const image = toGlanceImage(item);
      if (!image) throw new OpenStackError("Glance GET /v2/images: 200 answer frost cannot read: an image without an id", 200, "image");
      return image;
    });
  }

  async getImage(id: string): Promise<GlanceImage | undefined> {
    const { value, answer } = await this.client.json("GET", `/images/${encodeURIComponent(id)}`, { accept: [404] });
    if (answer.status === 404) return undefined;
    return this.image(value, answer);
  }

  /** POST /v2/images: the properties as top-level attributes (strings), beside name and formats. */
  async createImage(spec: CreateImageSpec): Promise<GlanceImage> {
    const json = { ...spec.properties, name: spec.name, disk_format: spec.diskFormat, container_format: spec.containerFormat };
    const { value, answer } = await this.client.json("POST", "/images", { json });
    return this.image(value, answer);
  }

  /**
   * PUT /v2/images/ID/file, streamed from the file as it is read (an image may be larger than
   * memory), exactly `bytes` of it; the deadline grows with the size. The file must still have the
   * size that was planned.
   */
  async uploadImage(id: string, path: string, bytes: number): Promise<void> {
    const size = (await stat(path)).size;
    if (size !== bytes) throw new Error(`${path} has ${size} bytes, not the ${bytes} planned: it changed since the plan; plan again`);
    await this.client.call("PUT", `/images/${encodeURIComponent(id)}/file`, {
      stream: { open: () => createReadStream(path, bytes > 0 ? { start: 0, end: bytes - 1 } : {}), length: bytes },
      contentType: "application/octet-stream",
      timeoutMs: uploadDeadlineMs(this.client.timeoutMs, bytes),
    });
  }

  /** PATCH with Glance's JSON-patch media type; the image as it is afterwards. */
  async patchImage(id: string, ops: ImagePatchOp[]): Promise<GlanceImage> {
    const { value, answer } = await this.client.json("PATCH", `/images/${encodeURIComponent(id)}`, { json: ops, contentType: JSON_PATCH });
    return this.image(value, answer);
  }

  /** DELETE; a 404 is an OpenStackError like any other failure (the caller knows whether gone is fine). */
  async deleteImage(id: string): Promise<void> {
    await this.client.call("DELETE", `/images/${encodeURIComponent(id)}`);
  }

  private image(value: unknown, answer: ServiceAnswer): GlanceImage {
    const image = toGlanceImage(value);
    if (!image) throw unreadableAnswer(answer.site, answer.status, "not an image with an id");
    return image;
  }
}
