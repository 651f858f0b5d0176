import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";

/** The sha256 of the configuration files as read (file names and contents, in load order). */
export async function configDigest(files: readonly string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const file of files) {
    hash
      .update(basename(file))
      .update("\0")
      .update(await readFile(file))
      .update("\0");
  }
  return `sha256:${hash.digest("hex")}`;
}
