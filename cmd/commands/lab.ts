import { join } from "node:path";
import { realProcesses } from "../../reconcile/process/run.js";
import { packageRoot } from "../../reconcile/version.js";
import type { CommandDeps } from "../deps.js";
import { EXIT } from "../exit-codes.js";

export const LAB_HELP = `Usage: frost lab up [--openstack]|down|status|reset
       frost lab openstack up|down|status|reset

A real local lab: libvirtd and QEMU (TCG) started without systemd, a tiny guest running the real
qemu-guest-agent, and three demo domains for examples/quickstart. Optionally a real minimal
OpenStack on top (Keystone, Glance, Placement, Neutron, Nova on 127.0.0.1; cloud "frost-lab" in
/var/tmp/frost-lab/openstack/clouds.yaml). Needs root on Debian 12.

  up             install packages, build the guest, start libvirt, define the demo domains (idempotent)
  up --openstack the same, then the OpenStack services (first time: packages and databases, minutes)
  status         show the daemons, demo domains and OpenStack services; exit 3 when the libvirt lab is down
  reset          recreate the demo domains as they were first defined
  down           stop OpenStack if it runs, remove the demo domains, stop only what "up" started

  openstack up      start only the OpenStack part (and libvirt if needed), idempotent
  openstack down    stop every OpenStack daemon by pid, remove the libvirt domains Nova made
  openstack status  show the OpenStack daemons; exit 3 when any is not running
  openstack reset   down, delete all OpenStack state (databases, images, servers), up
`;

const SUBCOMMANDS = new Set(["up", "down", "status", "reset"]);
const OPENSTACK_SUBCOMMANDS = new Set(["up", "down", "status", "reset"]);

/** The lab.sh arguments for `frost lab ARGV`, or undefined when ARGV is not a lab command. */
export function labScriptArgs(argv: string[]): string[] | undefined {
  const [sub, ...rest] = argv;
  if (sub === "up" && rest.length === 1 && rest[0] === "--openstack") return argv;
  if (sub === "openstack" && rest.length === 1 && OPENSTACK_SUBCOMMANDS.has(rest[0] ?? "")) return argv;
  if (sub !== undefined && SUBCOMMANDS.has(sub) && rest.length === 0) return argv;
  return undefined;
}

/** `frost lab`: runs the project's lab script, passing its output and exit code through. */
export async function labCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const [sub] = argv;
  const args = labScriptArgs(argv);
  if (!args) {
    deps.io.out(LAB_HELP);
    return sub === "--help" || sub === "-h" ? EXIT.OK : EXIT.ERROR;
  }
  const script = join(packageRoot(), "lab", "lab.sh");
  try {
    return (await (deps.processes ?? realProcesses).attached("bash", [script, ...args])) ?? EXIT.ERROR;
  } catch (e) {
    deps.io.err(`cannot run ${script}: ${(e as Error).message}\n`);
    return EXIT.ERROR;
  }
}
