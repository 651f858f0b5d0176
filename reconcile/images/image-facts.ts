import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ImageSpec } from "../config/types.js";
import { realProcesses, type CommandRunner } from "../process/run.js";

/**
 * What frost reads of an image's source file on the machine it runs on: the sha256 of its content
 * (`sha256:<hex>`), its size in bytes, the format qemu-img finds in it, and the virtual size of the
 * disk it holds (the least an overlay on it must offer).
 */
export interface ImageFacts {
  digest: string;
  bytes: number;
  format: string;
  virtualSize: number;
}

/** An image's facts, or why they could not be read. */
export type ImageObservation = { status: "read"; facts: ImageFacts } | { status: "unreadable"; error: string };

/** The sha256 of a file, streamed (never whole in memory), as `sha256:<hex>`. */
export async function fileDigest(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

/** Reads one image's facts: size, digest, and `qemu-img info --output=json` (format, virtual size). */
export async function readImageFacts(image: ImageSpec, runner: CommandRunner = realProcesses): Promise<ImageObservation> {
  try {
    const { size } = await stat(image.source);
    const info = await runner.run("qemu-img", ["info", "--output=json", "-U", image.source], { timeoutMs: 60_000 });
    if (info.code !== 0) return { status: "unreadable", error: `qemu-img info failed: ${info.stderr.trim()}` };
    const parsed = JSON.parse(info.stdout) as { format?: unknown; "virtual-size"?: unknown };
    const digest = await fileDigest(image.source);
    return {
      status: "read",
      facts: {
        digest,
        bytes: size,
        format: typeof parsed.format === "string" ? parsed.format : "unknown",
        virtualSize: typeof parsed["virtual-size"] === "number" ? parsed["virtual-size"] : size,
      },
    };
  } catch (e) {
    return { status: "unreadable", error: (e as Error).message };
  }
}

/** Reads the facts of the named images, in parallel. */
export async function readImages(images: readonly ImageSpec[], runner?: CommandRunner): Promise<Record<string, ImageObservation>> {
  const entries = await Promise.all(images.map(async (i) => [i.name, await readImageFacts(i, runner)] as const));
  return Object.fromEntries(entries);
}

/** The content-addressed volume name of an image: `<image>-<first 12 hex of sha256>.<format>`. */
export function imageVolumeName(image: string, digest: string, format: string): string {
  return `${image}-${digest.replace(/^sha256:/, "").slice(0, 12)}.${format}`;
}

/** The volume frost creates as an instance's disk: `<instance>-<first 12 hex of the image's sha256>.qcow2`. */
export function diskVolumeName(instance: string, digest: string): string {
  return `${instance}-${digest.replace(/^sha256:/, "").slice(0, 12)}.qcow2`;
}

/** `12 MiB`, `1.5 GiB`: a size for people. */
export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : Number(v.toFixed(1))} ${units[i]}`;
}
