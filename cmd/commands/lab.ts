import { spawn } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../../reconcile/version.js";
import type { CommandDeps } from "../deps.js";
import { EXIT } from "../exit-codes.js";

export const LAB_HELP = `Usage: frost lab up|down|status|reset

A real local lab: libvirtd and QEMU (TCG) started without systemd, a tiny guest running the real
qemu-guest-agent, and three demo domains for examples/quickstart. Needs root on Debian 12.

  up       install packages, build the guest, start libvirt, define the demo domains (idempotent)
  status   show the daemons and demo domains; exit 3 when the lab is down
  reset    recreate the demo domains as they were first defined
  down     remove the demo domains and stop only what "up" started
`;

const SUBCOMMANDS = new Set(["up", "down", "status", "reset"]);

/** `frost lab`: runs the project's lab script, passing its output and exit code through. */
export async function labCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const [sub] = argv;
  if (!sub || sub === "--help" || sub === "-h" || !SUBCOMMANDS.has(sub) || argv.length > 1) {
    deps.io.out(LAB_HELP);
    return sub === "--help" || sub === "-h" ? EXIT.OK : EXIT.ERROR;
  }
  const script = join(packageRoot(), "lab", "lab.sh");
  return new Promise((resolve) => {
    const child = spawn("bash", [script, sub], { stdio: "inherit", shell: false });
    child.on("error", (e) => {
      deps.io.err(`cannot run ${script}: ${e.message}\n`);
      resolve(EXIT.ERROR);
    });
    child.on("close", (code) => resolve(code ?? EXIT.ERROR));
  });
}
