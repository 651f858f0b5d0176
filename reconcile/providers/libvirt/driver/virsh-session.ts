import { randomBytes } from "node:crypto";
import { realProcesses, type SessionChild, type SessionSpawner } from "../../../process/run.js";
import { HypervisorError } from "../hypervisor.js";
import { commandLine, MarkerProtocol, UnsafeArgumentError, type VirshReply } from "./session-protocol.js";
import { assertSafeUri } from "./virsh.js";
import { virshErrorText } from "./virsh-errors.js";

/** How long `close` waits for virsh to leave after its stdin is closed, before killing it. */
const CLOSE_GRACE_MS = 2_000;

interface Pending {
  n: number;
  step: string;
  resolve: (reply: VirshReply) => void;
  reject: (error: Error) => void;
}

/**
 * One interactive `virsh -c URI` process (not quiet: some commands print their counts only then),
 * fed one command at a time over stdin (see session-protocol.ts). Each call has a hard deadline:
 * past it the process is killed, `alive` turns false and the call throws, saying which step it was.
 * Calls run one after another; a call made while another runs waits for it.
 */
export class VirshSession {
  private readonly protocol = new MarkerProtocol(randomBytes(6).toString("hex"));
  private stdout = "";
  private stderr = "";
  private next = 0;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private exited = false;
  private killed = false;
  private readonly exit: Promise<void>;

  private constructor(
    private readonly child: SessionChild,
    readonly domain: string | undefined,
  ) {
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (s: string) => this.receive(s, ""));
    child.stderr.on("data", (s: string) => this.receive("", s));
    child.stdin.on("error", () => {});
    this.exit = new Promise((resolve) => {
      child.on("close", (code, signal) => {
        this.exited = true;
        const said = virshErrorText(this.stderr, `virsh exited (${signal ?? `status ${code}`})`);
        this.pending?.reject(this.failure(said, this.pending.step));
        this.pending = undefined;
        resolve();
      });
    });
    child.on("error", (e) => {
      this.exited = true;
      this.pending?.reject(this.failure(`cannot run virsh: ${e.message}; is libvirt-clients installed?`, this.pending.step));
      this.pending = undefined;
    });
  }

  /** Starts virsh and waits until it answers (one marker round trip) within `timeoutMs`. */
  static async open(
    uri: string,
    domain: string | undefined,
    timeoutMs: number,
    options: { spawner?: SessionSpawner; env?: NodeJS.ProcessEnv } = {},
  ): Promise<VirshSession> {
    assertSafeUri(uri);
    // TERM=dumb and a wide COLUMNS keep readline's echo of each line on one line, free of escapes.
    const env = { ...process.env, LC_ALL: "C", LANG: "C", TERM: "dumb", COLUMNS: "10000", INPUTRC: "/dev/null", ...options.env };
    const session = new VirshSession((options.spawner ?? realProcesses.session)("virsh", ["-c", uri], env), domain);
    try {
      const reply = await session.call(undefined, "connect", timeoutMs);
      if (reply.errors.length > 0) throw session.failure(reply.errors.join(": "), "connect");
    } catch (e) {
      session.kill();
      throw e;
    }
    return session;
  }

  /** False from the moment frost kills virsh or virsh exits. */
  get alive(): boolean {
    return !this.exited && !this.killed;
  }

  /** Runs one command; returns its stdout, or throws a HypervisorError with virsh's error lines. */
  async run(words: readonly string[], step: string, timeoutMs: number): Promise<string> {
    const reply = await this.call(words, step, timeoutMs);
    if (reply.errors.length > 0 || !reply.ran) {
      throw this.failure(reply.errors.length > 0 ? reply.errors.join(": ") : `virsh could not run ${words[0]}`, step);
    }
    return reply.stdout;
  }

  /** Runs one command (none: a bare round trip) and returns what it printed, errors included. */
  call(words: readonly string[] | undefined, step: string, timeoutMs: number): Promise<VirshReply> {
    const result = this.queue.then(() => this.send(words, step, timeoutMs));
    this.queue = result.catch(() => {});
    return result;
  }

  /** Kills virsh at once. */
  kill(): void {
    this.killed = true;
    if (!this.exited) this.child.kill("SIGKILL");
  }

  /** Ends stdin, waits for virsh to leave, and kills it when it has not within 2 s. */
  async close(): Promise<void> {
    if (this.exited) return;
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), CLOSE_GRACE_MS);
    await this.exit;
    clearTimeout(timer);
  }

  private send(words: readonly string[] | undefined, step: string, timeoutMs: number): Promise<VirshReply> {
    if (!this.alive) return Promise.reject(this.failure(`the virsh session is closed`, step));
    let line: string | undefined;
    try {
      line = words === undefined ? undefined : commandLine(words);
    } catch (e) {
      if (e instanceof UnsafeArgumentError) return Promise.reject(this.failure(e.message, step));
      throw e;
    }
    const n = this.next++;
    return new Promise<VirshReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.kill();
        reject(this.failure(`${step} did not finish within ${timeoutMs} ms; the virsh session was killed`, step));
      }, timeoutMs);
      const done =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          clearTimeout(timer);
          fn(v);
        };
      this.pending = { n, step, resolve: done(resolve), reject: done(reject) };
      this.child.stdin.write(this.protocol.request(n, line));
      this.receive("", "");
    });
  }

  private receive(out: string, err: string): void {
    this.stdout += out;
    this.stderr += err;
    const p = this.pending;
    if (!p) return;
    const taken = this.protocol.take(p.n, this.stdout, this.stderr);
    if (!taken) return;
    this.stdout = taken.restStdout;
    this.stderr = taken.restStderr;
    this.pending = undefined;
    p.resolve(taken.reply);
  }

  private failure(message: string, step: string): HypervisorError {
    return new HypervisorError(message, step, this.domain);
  }
}
