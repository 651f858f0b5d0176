import { virshErrorText } from "./virsh-errors.js";
import { checkLibvirtUri } from "../../../config/libvirt-uri.js";
import { realProcesses, type CommandRunner, type RunResult } from "../../../process/run.js";
import { HypervisorError } from "../hypervisor.js";

/**
 * Refuses a URI that the configuration check would refuse (a transport or parameter that runs a
 * program, an option-like host): the last guard before `virsh -c`, for URIs that come from
 * elsewhere than a checked configuration (a saved plan, a caller's mistake).
 */
export function assertSafeUri(uri: string): void {
  const refused = checkLibvirtUri(uri);
  if (refused !== undefined) {
    throw new HypervisorError(`refusing to connect: ${refused.problem.summary}; ${refused.problem.detail}`, "connect");
  }
}

/** Default deadline of one virsh call that is not an agent command. */
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * The locale virsh runs in. `C` always: messages in English, because frost classifies some of
 * them. `C.UTF-8` (messages still English) where a table must show non-ASCII letters as they are:
 * in `C`, virsh writes each of their bytes as `\xff`, losing them.
 */
export type VirshLocale = "C" | "C.UTF-8";

/**
 * `virsh -c URI …`, spawned with an argument array. Every domain name is passed as the value of
 * `--domain`, so nothing that comes from a user can be read as an option or a second command.
 */
export class Virsh {
  constructor(
    readonly uri: string,
    private readonly runner: CommandRunner = realProcesses,
  ) {
    assertSafeUri(uri);
  }

  /**
   * Runs one virsh command and returns its result, whatever its exit status. `quiet: false` drops
   * `-q`, for the commands that print what they did only then (`Thawed 2 filesystem(s)`).
   */
  async exec(args: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS, quiet = true, locale: VirshLocale = "C"): Promise<RunResult> {
    try {
      return await this.runner.run("virsh", [...(quiet ? ["-q"] : []), "-c", this.uri, ...args], {
        timeoutMs,
        env: { ...process.env, LC_ALL: locale, LANG: locale },
      });
    } catch (e) {
      throw new HypervisorError(`cannot run virsh: ${(e as Error).message}; is libvirt-clients installed?`, args[0] ?? "virsh");
    }
  }

  /** Runs one virsh command and returns its stdout; throws a HypervisorError with libvirt's words otherwise. */
  async run(
    args: readonly string[],
    timeoutMs = DEFAULT_TIMEOUT_MS,
    domain?: string,
    quiet = true,
    locale: VirshLocale = "C",
  ): Promise<string> {
    const result = await this.exec(args, timeoutMs, quiet, locale);
    if (result.timedOut) {
      throw new HypervisorError(`virsh ${args[0]} did not finish within ${Math.round(timeoutMs / 1000)} s`, args[0] ?? "virsh", domain);
    }
    if (result.code !== 0) {
      throw new HypervisorError(virshError(result), args[0] ?? "virsh", domain);
    }
    return result.stdout;
  }
}

/** The error virsh printed, without its `error: ` prefixes, most specific part last. */
export function virshError(result: RunResult): string {
  return virshErrorText(result.stderr, `virsh exited with status ${result.code}`);
}
