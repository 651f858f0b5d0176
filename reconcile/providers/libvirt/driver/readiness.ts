import { createHash } from "node:crypto";
import { HOOK_NAME_RULE } from "../../../config/names.js";
import { FSFREEZE_HOOK_DIR, FSFREEZE_HOOK_PATH, type AgentReadiness, type GuestHookFacts, type GuestHookScript } from "../hypervisor.js";
import { AgentCommandError, type GuestAgent } from "./guest-agent.js";
import { readGuestFile, guestShell } from "./guest-files.js";
import { parseGuestInfo } from "./guest-info.js";
import { HOOK_LISTING_SCRIPT, parseHookListing } from "./hook-listing.js";

/**
 * Reads an agent's readiness over `agent`: guest-info, guest-fsfreeze-status, then the hook —
 * through guest-exec (the listing script) where exec is enabled, else by opening the known paths
 * (`hooks` names the scripts to look for), else not at all, saying why. Agent failures end up in
 * the result; a deadline passed ends the check with what was learnt so far.
 */
export async function readReadiness(agent: GuestAgent, hooks: readonly string[] = []): Promise<AgentReadiness> {
  const readiness: AgentReadiness = { status: "ok", problems: [] };
  try {
    const { version, capabilities } = parseGuestInfo(await agent.command("guest-info"));
    if (version !== undefined) readiness.version = version;
    readiness.capabilities = capabilities;
  } catch (e) {
    const failure = e instanceof AgentCommandError ? e.failure : "other";
    return { status: failure === "timeout" ? "timeout" : "error", message: (e as Error).message, problems: [] };
  }
  try {
    const freeze = await agent.command("guest-fsfreeze-status");
    if (freeze === "frozen" || freeze === "thawed") readiness.freeze = freeze;
  } catch (e) {
    readiness.problems.push(`guest-fsfreeze-status failed: ${(e as Error).message}`);
  }
  if (readiness.freeze === "frozen") {
    // qemu-ga disables all but a few commands while frozen, and guest-info then says so of them.
    delete readiness.capabilities;
    readiness.problems.push(
      "the guest is frozen: qemu-ga disables most commands until the thaw, so its capabilities and fsfreeze hook were not read",
    );
    return readiness;
  }
  readiness.hook = await readHook(agent, readiness, hooks);
  return readiness;
}

async function readHook(agent: GuestAgent, readiness: AgentReadiness, hooks: readonly string[]): Promise<GuestHookFacts> {
  const caps = readiness.capabilities;
  if (caps?.exec) {
    try {
      return parseHookListing(await guestShell(agent, "listing the fsfreeze hook", HOOK_LISTING_SCRIPT));
    } catch (e) {
      readiness.problems.push(`reading the fsfreeze hook through guest-exec failed: ${(e as Error).message}`);
      if (!caps.fileRead || (e instanceof AgentCommandError && e.failure === "timeout")) {
        return { status: "unknown", reason: (e as Error).message };
      }
    }
  }
  if (!caps?.fileRead) {
    return {
      status: "unknown",
      reason: `the guest agent forbids both exec and file reads (disabled: ${caps?.disabled.filter((c) => c.startsWith("guest-exec") || c.startsWith("guest-file")).join(", ")})`,
    };
  }
  return readHookByFile(agent, hooks, caps.exec ? undefined : "guest-exec is disabled");
}

/** Without exec: the hook and the named scripts, opened one by one; the directory cannot be listed. */
async function readHookByFile(agent: GuestAgent, hooks: readonly string[], why: string | undefined): Promise<GuestHookFacts> {
  const facts: GuestHookFacts = {
    status: "absent",
    via: "file",
    reason: `${why ?? "guest-exec failed"}: only the scripts frost looks for were read, and whether they are executable is unknown`,
  };
  try {
    await readGuestFile(agent, FSFREEZE_HOOK_PATH, 1 << 20);
    facts.status = "present";
  } catch (e) {
    if (!(e instanceof AgentCommandError && e.failure === "not-found"))
      return { status: "unknown", via: "file", reason: (e as Error).message };
  }
  const scripts: GuestHookScript[] = [];
  for (const name of [...hooks].sort()) {
    if (!HOOK_NAME_RULE.test(name)) continue;
    try {
      const content = await readGuestFile(agent, `${FSFREEZE_HOOK_DIR}/${name}`);
      scripts.push({ name, sha256: createHash("sha256").update(content).digest("hex") });
      facts.directory = true;
    } catch (e) {
      // Without the full picture no script is reported: a partial list would read as scripts missing.
      if (!(e instanceof AgentCommandError && e.failure === "not-found")) {
        return { status: facts.status, via: "file", reason: `reading ${FSFREEZE_HOOK_DIR}/${name} failed: ${(e as Error).message}` };
      }
    }
  }
  facts.scripts = scripts;
  return facts;
}
