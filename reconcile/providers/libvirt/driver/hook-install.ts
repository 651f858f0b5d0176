import { createHash } from "node:crypto";
import { HOOK_NAME_RULE } from "../../../config/names.js";
import { FSFREEZE_HOOK_DIR, HypervisorError, type HookInstall, type HookInstalled } from "../hypervisor.js";
import { AgentCommandError, type GuestAgent } from "./guest-agent.js";
import { guestShell, readGuestFile, writeGuestFile } from "./guest-files.js";

/** Makes the new script executable and moves it over the old one (rename: atomic), then prints its digest. `$1` temp, `$2` final. */
const COMMIT_SCRIPT = `chmod 755 "$1" && mv -f "$1" "$2" && sha256sum <"$2" || { rc=$?; rm -f "$1"; exit $rc; }`;

/** Creates the hook directory. `$1` the directory. */
const MKDIR_SCRIPT = `mkdir -p "$1" && chmod 755 "$1"`;

/** What the user reads when guest-exec is disabled and the script cannot be made executable. */
export const NOT_EXECUTABLE =
  "not made executable: the guest agent forbids guest-exec, so frost cannot run chmod 755; the stock fsfreeze-hook skips scripts that are not executable (a script that was already there keeps its mode)";

/**
 * Installs one hook script through the agent. With `chmod` (guest-exec allowed): written to
 * `.NAME.frost-new` beside it (a dotfile, which the stock hook never runs), made executable and
 * renamed over the old one, so that a freeze never sees half a script; the directory is created
 * when missing. Without: written in place (guest-file-open `w` truncates; a new file gets the
 * agent's default mode, not executable) and read back where guest-file-read is allowed. Either way
 * the digest the guest has afterwards must be `hook.sha256`.
 */
export async function installHook(agent: GuestAgent, hook: HookInstall): Promise<HookInstalled> {
  if (!HOOK_NAME_RULE.test(hook.name)) {
    throw new HypervisorError(
      `refusing to install a hook named ${JSON.stringify(hook.name)}: not a valid hook name`,
      "guest-file-open",
      agent.domain,
    );
  }
  const final = `${FSFREEZE_HOOK_DIR}/${hook.name}`;
  const fail = (e: unknown): never => {
    throw new AgentCommandError(
      `cannot install fsfreeze hook ${hook.name} into ${final}: ${(e as Error).message}`,
      e instanceof HypervisorError ? e.operation : "install",
      agent.domain,
      e instanceof AgentCommandError ? e.failure : "other",
    );
  };
  if (hook.chmod) {
    const temp = `${FSFREEZE_HOOK_DIR}/.${hook.name}.frost-new`;
    try {
      await writeOrCreateDir(agent, temp, hook.content);
      const digest = (await guestShell(agent, "chmod 755 and mv", COMMIT_SCRIPT, [temp, final])).trim().split(/\s+/)[0] ?? "";
      return { sha256: verify(digest, hook), executable: true, warnings: [] };
    } catch (e) {
      return fail(e);
    }
  }
  try {
    await writeGuestFile(agent, final, hook.content);
  } catch (e) {
    if (e instanceof AgentCommandError && e.failure === "not-found") {
      fail(new Error(`the guest has no ${FSFREEZE_HOOK_DIR}, and the agent forbids guest-exec, so frost cannot create it`));
    }
    fail(e);
  }
  try {
    const back = await readGuestFile(agent, final);
    return { sha256: verify(createHash("sha256").update(back).digest("hex"), hook), warnings: [NOT_EXECUTABLE] };
  } catch (e) {
    if (e instanceof AgentCommandError && e.failure === "disabled") {
      return { sha256: hook.sha256, warnings: [NOT_EXECUTABLE, `not verified: the guest agent forbids guest-file-read (${e.message})`] };
    }
    return fail(e);
  }
}

async function writeOrCreateDir(agent: GuestAgent, path: string, content: Uint8Array): Promise<void> {
  try {
    await writeGuestFile(agent, path, content);
  } catch (e) {
    if (!(e instanceof AgentCommandError && e.failure === "not-found")) throw e;
    await guestShell(agent, `mkdir ${FSFREEZE_HOOK_DIR}`, MKDIR_SCRIPT, [FSFREEZE_HOOK_DIR]);
    await writeGuestFile(agent, path, content);
  }
}

function verify(digest: string, hook: HookInstall): string {
  if (digest !== hook.sha256) {
    throw new Error(`the guest's copy has sha256 ${digest || "(none)"} after the write, not ${hook.sha256}`);
  }
  return digest;
}
