import { createHash } from "node:crypto";
import { constants } from "node:fs";
import fsp from "node:fs/promises";

/** The mode bits (permissions, setuid/setgid/sticky) and owner a rewritten file must keep. */
export interface FileOwnership {
  mode: number;
  uid: number;
  gid: number;
}

/**
 * A host file frost may rewrite, as read: `present` with its exact text, the digest of its bytes and
 * its ownership; `missing`; or `unusable` with the reason frost will not rewrite it (a directory, a
 * symbolic link, not UTF-8 that round-trips, unreadable). `content` re-encodes to the very bytes read.
 */
export type FileState =
  ({ state: "present"; content: string; digest: string } & FileOwnership) | { state: "missing" } | { state: "unusable"; reason: string };

/** `sha256:<hex>` of the UTF-8 bytes of `content` (or of the bytes given). */
export function digestOf(content: string | Buffer): string {
  return `sha256:${createHash("sha256").update(content).digest("hex")}`;
}

/** Reads `file` without following a symbolic link; never throws for the states above. */
export async function readFileState(file: string): Promise<FileState> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { state: "missing" };
    if (code === "ELOOP")
      return {
        state: "unusable",
        reason: "it is a symbolic link; frost rewrites only regular files (point the configuration at the link's target)",
      };
    if (code === "ENOTDIR") return { state: "unusable", reason: "a component of its path is not a directory" };
    return { state: "unusable", reason: `cannot read it: ${describeFsError(e)}` };
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) return { state: "unusable", reason: "it is a directory, not a file" };
    if (!st.isFile()) return { state: "unusable", reason: "it is not a regular file" };
    const bytes = await handle.readFile();
    const content = bytes.toString("utf8");
    if (!Buffer.from(content, "utf8").equals(bytes)) {
      return { state: "unusable", reason: "it is not valid UTF-8; frost will not rewrite a file it cannot keep byte for byte" };
    }
    return { state: "present", content, digest: digestOf(bytes), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch (e) {
    return { state: "unusable", reason: `cannot read it: ${describeFsError(e)}` };
  } finally {
    await handle.close();
  }
}

/** Whether `p` exists (any type). */
export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** A file-system error in words an operator can act on, with the system's own message after. */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const hint: Record<string, string> = {
    EROFS: "the file system is read-only",
    EACCES: "permission denied (frost must run as root to change AppArmor files)",
    EPERM: "operation not permitted (an immutable file, chattr +i, refuses even root)",
    ENOSPC: "no space left on the device",
    EISDIR: "it is a directory",
    ENOTDIR: "a component of the path is not a directory",
  };
  const words = err.code !== undefined ? hint[err.code] : undefined;
  return words ? `${words}: ${err.message}` : (err.message ?? String(e));
}
