import { open } from "node:fs/promises";

/**
 * Syncs a directory, so that a name just created in it (or removed from it) survives a power cut.
 * Some file systems refuse fsync on a directory: the entry is then still correct, only less durable.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch {
    // refused by the file system: see above
  } finally {
    await handle.close();
  }
}
