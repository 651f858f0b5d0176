import { FSFREEZE_HOOK_DIR, FSFREEZE_HOOK_PATH, type GuestHookFacts, type GuestHookScript } from "../hypervisor.js";

/**
 * The script frost runs in the guest (guest-exec of `/bin/sh -c`) to read its fsfreeze hook. It
 * takes no input at all, so nothing from a configuration reaches a shell. It prints one fact a line:
 *
 *     hook present|absent          /etc/qemu/fsfreeze-hook
 *     dir present|absent           /etc/qemu/fsfreeze-hook.d
 *     agent ARG<TAB>ARG…           qemu-ga's own command line (guest-exec's parent is qemu-ga)
 *     conf VALUE                   fsfreeze-hook= in /etc/qemu/qemu-ga.conf
 *     script SHA256 x|- NAME       each regular file the stock hook would consider (not dotfiles)
 *
 * POSIX sh and busybox both run it; no single quotes (virsh's own parser takes the JSON in them).
 */
export const HOOK_LISTING_SCRIPT = [
  `h=${FSFREEZE_HOOK_PATH}`,
  `d=${FSFREEZE_HOOK_DIR}`,
  `if [ -f "$h" ]; then echo hook present; else echo hook absent; fi`,
  `if [ -d "$d" ]; then echo dir present; else echo dir absent; fi`,
  `if [ -r "/proc/$PPID/cmdline" ]; then printf "agent "; tr "\\000" "\\t" <"/proc/$PPID/cmdline"; echo; fi`,
  `if [ -r /etc/qemu/qemu-ga.conf ]; then sed -n "s/^[[:space:]]*fsfreeze-hook[[:space:]]*=[[:space:]]*/conf /p" /etc/qemu/qemu-ga.conf; fi`,
  `for f in "$d"/*; do`,
  `  [ -f "$f" ] || continue`,
  `  x=-; [ -x "$f" ] && x=x`,
  `  s=$(sha256sum <"$f") || continue`,
  `  echo "script \${s%% *} $x \${f##*/}"`,
  `done`,
  `exit 0`,
].join("\n");

/** Parses what HOOK_LISTING_SCRIPT printed. */
export function parseHookListing(output: string): GuestHookFacts {
  let present = false;
  let directory = false;
  let agentArgs: string[] | undefined;
  let conf: string | undefined;
  const scripts: GuestHookScript[] = [];
  for (const line of output.split("\n")) {
    const [word, ...rest] = line.split(" ");
    const value = rest.join(" ");
    if (word === "hook") present = value === "present";
    else if (word === "dir") directory = value === "present";
    else if (word === "agent") agentArgs = value.replace(/\t$/, "").split("\t");
    else if (word === "conf") conf = value.trim();
    else if (word === "script") {
      const m = /^([0-9a-f]{64}) ([x-]) (.+)$/.exec(value);
      if (m?.[1] && m[3]) scripts.push({ name: m[3], sha256: m[1], executable: m[2] === "x" });
    }
  }
  const agentHook = agentArgs ? agentHookPath(agentArgs, conf) : undefined;
  return {
    status: present ? "present" : "absent",
    via: "exec",
    directory,
    scripts: scripts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    ...(agentHook !== undefined ? { agentHook } : {}),
  };
}

/**
 * The fsfreeze hook qemu-ga runs, from its command line (`-F`, `-FPATH`, `--fsfreeze-hook`,
 * `--fsfreeze-hook=PATH`: the option's argument is optional, so it is always attached) or else
 * its configuration file's `fsfreeze-hook=` (empty: the default path). `null`: none, so qemu-ga
 * runs no hook at a freeze. `undefined`: the command line is not qemu-ga's (frost cannot tell).
 */
export function agentHookPath(args: readonly string[], conf: string | undefined): string | null | undefined {
  const program = args[0] ?? "";
  if (!/qemu-ga(\.exe)?$/.test(program)) return undefined;
  let hook: string | null | undefined;
  for (const arg of args.slice(1)) {
    if (arg === "-F" || arg === "--fsfreeze-hook") hook = FSFREEZE_HOOK_PATH;
    else if (arg.startsWith("--fsfreeze-hook=")) hook = arg.slice("--fsfreeze-hook=".length) || FSFREEZE_HOOK_PATH;
    else if (arg.startsWith("-F")) hook = arg.slice(2);
  }
  if (hook !== undefined) return hook;
  if (conf !== undefined) return conf === "" ? FSFREEZE_HOOK_PATH : conf;
  return null;
}
