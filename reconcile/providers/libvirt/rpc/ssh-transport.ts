import { spawn } from "node:child_process";
import type { SshTarget } from "./target.js";
import { StreamTransport, type Transport } from "./transport.js";

/**
 * libvirt's protocol over `ssh`'s standard input and output, the way libvirt's own client does
 * it: the remote end runs `virt-ssh-helper` where the host has it, else `nc -U` on the daemon's
 * socket. ssh is spawned with an argument array (no local shell) and reads the user's own
 * configuration, agent and known_hosts; only the remote command goes through the remote login
 * shell, as with libvirt, and it is built from fixed words and the validated target alone.
 */

/** How many of ssh's last stderr lines a failure quotes. */
const STDERR_LINES = 5;

/** The remote command: libvirt's script for `proxy=auto|netcat|native`. */
export function remoteCommand(target: SshTarget): string {
  const helper = `virt-ssh-helper '${target.driverUri}'`;
  const netcat =
    `if 'nc' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0; else ARG=; fi; ` + `'nc' $ARG -U ${target.remoteSocket}`;
  switch (target.proxy) {
    case "native":
      return `sh -c '${helper.replace(/'/g, "'\\''")}'`;
    case "netcat":
      return `sh -c '${netcat.replace(/'/g, "'\\''")}'`;
    case "auto": {
      const script = `which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then ${helper}; else ${netcat}; fi`;
      return `sh -c '${script.replace(/'/g, "'\\''")}'`;
    }
  }
}

/**
 * ssh's arguments for `target`: port, user and key when the URI gives them, no terminal, no
 * escape character, `BatchMode` for `no_tty=1`, host-key checking off only for `no_verify=1`,
 * a connect timeout of frost's deadline, then `--`, the host and the remote command.
 */
export function sshArguments(target: SshTarget, connectTimeoutMs: number): string[] {
  return [
    ...(target.port !== undefined ? ["-p", String(target.port)] : []),
    ...(target.user !== undefined ? ["-l", target.user] : []),
    ...(target.keyfile !== undefined ? ["-i", target.keyfile] : []),
    "-T",
    "-e",
    "none",
    ...(target.noTty ? ["-o", "BatchMode=yes"] : []),
    ...(target.noVerify ? ["-o", "StrictHostKeyChecking=no"] : []),
    "-o",
    `ConnectTimeout=${Math.max(1, Math.ceil(connectTimeoutMs / 1000))}`,
    "--",
    target.host,
    remoteCommand(target),
  ];
}

/** Who ssh connects as, for messages: `root@host:2222`. */
export function sshDescription(target: SshTarget): string {
  return `ssh ${target.user !== undefined ? `${target.user}@` : ""}${target.host}${target.port !== undefined ? `:${target.port}` : ""}`;
}

/**
 * Starts `ssh` (`program` for tests that stand in for it) for `target`. The transport is ready at
 * once: whether ssh got through shows in the first answer, or in its exit and last stderr lines,
 * which become the reason the transport closed.
 */
export function connectSsh(target: SshTarget, connectTimeoutMs: number, program = "ssh", env: NodeJS.ProcessEnv = process.env): Transport {
  const child = spawn(program, sshArguments(target, connectTimeoutMs), {
    shell: false,
    // Its own process group: a Ctrl-C at the terminal reaches frost, which decides when the
    // connection ends (after its thaws), not ssh.
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
    env,
  });
  const stderr: string[] = [];
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => {
    stderr.push(
      ...text
        .split(/\r?\n|\r/)
        .map((l) => l.trim())
        .filter((l) => l !== ""),
    );
    stderr.splice(0, Math.max(0, stderr.length - STDERR_LINES));
  });
  const transport = new StreamTransport(
    sshDescription(target),
    child.stdout,
    child.stdin,
    () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    },
    false,
  );
  const said = () => (stderr.length > 0 ? `: ${stderr.join(" / ")}` : "");
  child.on("error", (e) => transport.ended(`could not run ${program}: ${e.message}`));
  child.on("exit", (code, signal) => {
    // stderr may still hold ssh's last words; read what is there before saying why it ended.
    setImmediate(() => transport.ended(`ssh exited ${signal !== null ? `on ${signal}` : `with status ${code}`}${said()}`));
  });
  return transport;
}
