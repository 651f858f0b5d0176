import { writeFile } from "node:fs/promises";
import { checkLibvirtUri } from "../../reconcile/config/libvirt-uri.js";
import type { DesiredState } from "../../reconcile/config/types.js";
import { UserError } from "../../reconcile/diagnostics.js";
import type { HostKind } from "../../reconcile/provider.js";
import { adoptHost } from "../../reconcile/import/adopt-host.js";
import { parseCommandArgs } from "../args.js";
import type { CommandDeps } from "../deps.js";
import { ExitError, EXIT } from "../exit-codes.js";
import { loadOrExit } from "../planning.js";
import { renderImportYaml } from "../render/import-yaml.js";

export const IMPORT_HELP = `Usage: frost import [--uri URI] [-c FILE|DIR] [-o FILE] [DOMAIN...]

Writes YAML that adopts a host's existing domains (adopt: true) with their current agent channel
(agent: true where the persistent definition has it, false where it has none), so that a plan right
after shows no change for them. Changes nothing on the host.

Options:
  --uri URI             libvirt URI of the host (default: the configuration's host, else qemu:///system)
  -c, --config PATH     an existing configuration: domains it declares are left out, and the output
                        is a fragment to add to it (no host: block; host: NAME on each instance in a fleet)
  -o, --out FILE        write the YAML to FILE (refused when it exists) instead of standard output
  DOMAIN...             import only these domains (default: every domain of the host)
`;

const OPTIONS = {
  uri: { type: "string" },
  config: { type: "string", short: "c" },
  out: { type: "string", short: "o" },
  help: { type: "boolean", short: "h", default: false },
  "no-color": { type: "boolean", default: false },
} as const;

/** `frost import`. */
export async function importCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const { values, positionals } = parseCommandArgs("import", argv, OPTIONS, true);
  if (values.help) return (deps.io.out(IMPORT_HELP), EXIT.OK);
  const refused = values.uri !== undefined ? checkLibvirtUri(values.uri) : undefined;
  if (refused !== undefined) throw new UserError(`--uri: ${refused.problem.summary}`, refused.problem.detail);
  const desired = values.config !== undefined ? await loadOrExit(values.config, deps) : undefined;
  const target = chooseHost(desired, values.uri);
  const adopted = await adoptHost(
    { name: target.fleetHost ?? "import", uri: target.uri, kind: target.kind },
    deps,
    positionals,
    new Set(Object.keys(desired?.instances ?? {})),
  );
  if ("unsupported" in adopted) throw new ExitError(EXIT.ERROR, `frost import reads libvirt hosts; ${target.uri} is a ${target.kind} host`);
  if ("missing" in adopted)
    throw new ExitError(EXIT.ERROR, `${target.uri} has no domain named ${adopted.missing.join(", ")}; nothing was written.`);
  const result = adopted.result;
  const yaml = renderImportYaml(result, {
    uri: target.uri,
    hostBlock: desired === undefined,
    ...(target.fleetHost !== undefined ? { fleetHost: target.fleetHost } : {}),
    generatedAt: deps.clock.now().toISOString(),
  });
  if (values.out !== undefined) {
    try {
      await writeFile(values.out, yaml, { flag: "wx" });
    } catch (e) {
      const exists = (e as NodeJS.ErrnoException).code === "EEXIST";
      throw new ExitError(EXIT.ERROR, exists ? `${values.out} exists; frost import never overwrites a file` : (e as Error).message);
    }
  } else deps.io.out(yaml);
  const skipped = result.skipped.length > 0 ? `, left out ${result.skipped.length} (see the comments at the end)` : "";
  const unset = result.adopted.filter((a) => a.agent === undefined).length;
  const channel = unset > 0 ? `; ${unset} with agent: unset (see the comments)` : "";
  deps.io.err(
    `Imported ${result.adopted.length} domain(s) from ${target.uri}${skipped}${channel}${values.out ? ` into ${values.out}` : ""}.\n`,
  );
  return EXIT.OK;
}

/** The URI to import from and, in a fleet configuration, the host name the instances must carry. */
function chooseHost(desired: DesiredState | undefined, uri: string | undefined): { uri: string; kind: HostKind; fleetHost?: string } {
  if (desired === undefined) return { uri: uri ?? "qemu:///system", kind: "libvirt" };
  const hosts = Object.values(desired.hosts);
  const fleet = !(hosts.length === 1 && hosts[0]?.name === "default");
  const host = uri !== undefined ? hosts.find((h) => h.uri === uri) : hosts.length === 1 ? hosts[0] : undefined;
  if (!host) {
    throw new ExitError(
      EXIT.ERROR,
      uri !== undefined
        ? `the configuration declares no host with the URI ${uri}; declare the host first, then import into it`
        : `the configuration declares ${hosts.length} hosts; say which with --uri`,
    );
  }
  return { uri: host.uri, kind: host.kind, ...(fleet ? { fleetHost: host.name } : {}) };
}
