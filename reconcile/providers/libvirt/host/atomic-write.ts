import { randomBytes } from "node:crypto";
import fsp from "node:fs/promises";
import path from "node:path";
import type { FileOwnership } from "./file-state.js";

/**
 * The file-system calls that writing uses: the real `node:fs/promises` in production, a wrapper
 * that injects errors (a read-only file system, a full disk) in tests.
 */
export interface WriteFs {
  open: typeof fsp.open;
  rename: typeof fsp.rename;
  link: typeof fsp.link;
  unlink: typeof fsp.unlink;
}

/** The real file system. */
export const realFs: WriteFs = { open: fsp.open, rename: fsp.rename, link: fsp.link, unlink: fsp.unlink };

/**
 * Writes `content` to a new hidden temporary file beside `file`, with the given owner and mode, and
 * flushes it to disk. Returns its path; on failure removes it and throws.
 */
async function writeTemp(file: string, content: string, own: FileOwnership, fs: WriteFs): Promise<string> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.frost-tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  const handle = await fs.open(tmp, "wx", own.mode & 0o777);
  try {
    await handle.writeFile(content, "utf8");
    await handle.chown(own.uid, own.gid);
    // After chown, which clears setuid/setgid bits, and past the umask.
    await handle.chmod(own.mode);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => {});
    await fs.unlink(tmp).catch(() => {});
    throw e;
  }
  await handle.close();
  return tmp;
}

/** Flushes a directory entry change (a rename or link) to disk; best effort, the change is made already. */
async function syncDir(dir: string, fs: WriteFs): Promise<void> {
  try {
    const h = await fs.open(dir, "r");
    await h.sync().finally(() => h.close());
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself has happened.
  }
}

/**
 * Replaces `file` with `content` atomically: a temporary file in the same directory, fsync, then
 * rename over the original. Readers see the old or the new content, never a mix; on any failure the
 * original is untouched and the temporary file removed.
 */
export async function writeFileAtomic(file: string, content: string, own: FileOwnership, fs: WriteFs = realFs): Promise<void> {
  const tmp = await writeTemp(file, content, own, fs);
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.unlink(tmp).catch(() => {});
    throw e;
  }
  await syncDir(path.dirname(file), fs);
}

/** `20261125T120000.000Z` for a backup name: sortable, no characters a shell or AppArmor treats specially. */
function stamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, "");
}

/**
 * Writes a backup of `content` beside `file` as `<file>.frost-backup-<UTC time>` (with `-2`, `-3`…
 * if that name is taken), same owner and mode. The backup is linked into place only if the name is
 * free, so no existing file (a backup frost did not make, say) is ever overwritten. Returns its path.
 */
export async function writeBackup(file: string, content: string, own: FileOwnership, at: Date, fs: WriteFs = realFs): Promise<string> {
  const tmp = await writeTemp(file, content, own, fs);
  try {
    for (let n = 1; n <= 100; n++) {
      const name = `${file}.frost-backup-${stamp(at)}${n === 1 ? "" : `-${n}`}`;
      try {
        await fs.link(tmp, name);
        await syncDir(path.dirname(file), fs);
        return name;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
    throw new Error(`cannot find a free backup name for ${file}: 100 backups from ${at.toISOString()} exist`);
  } finally {
    await fs.unlink(tmp).catch(() => {});
  }
}
