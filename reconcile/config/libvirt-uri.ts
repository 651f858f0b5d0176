import { isIPv6 } from "node:net";
import { showName } from "./names.js";
import { controlCharacter, type Problem } from "./values.js";

/**
 * The libvirt connection URIs frost accepts. A URI reaches `virsh -c`, and libvirt reads more than
 * an address from it: the `ext` transport runs the program named by `command=`, `ssh` runs
 * `command=` instead of ssh and `netcat=` on the remote host, `socket=` and `name=` point libvirt at
 * another daemon, and a host or user that begins with `-` reaches ssh as an option. A configuration
 * is reviewed as data (a pull request, `frost plan` in CI, run as root on a hypervisor), so none of
 * that may be expressible in it: every part of the URI is held to an allow-list, and anything else
 * is refused at validation, before a program runs.
 *
 * - Driver `qemu` only (frost manages QEMU/KVM domains); path `/system` or `/session`.
 * - Transports: none (this machine, libvirt's own socket), `unix` (the same, named), `ssh`
 *   (OpenSSH, found on PATH, with the user's ~/.ssh/config and known_hosts) and `tls` (also written
 *   with a host and no transport): none of them runs a program the URI names, and frost drives each
 *   through virsh as it does a local host. Refused: `ext` (its whole point is to run a program
 *   named in the URI), `tcp` (unencrypted and, by default, unauthenticated: anyone on the path could
 *   read and change what frost does), `libssh` and `libssh2` (they ask for host keys and passwords
 *   through a terminal frost does not have, and take `known_hosts_verify=ignore`; `ssh` reaches the
 *   same hosts).
 * - Parameters: for each transport, the keys libvirt 9 documents whose values cannot name a
 *   program, with a fixed shape for each value (below). Every other key is refused, since libvirt
 *   passes unknown keys on to the remote side, reads keys in any case, splits at `;` as well as `&`
 *   and decodes percent-escapes: the check splits the same way, and refuses `%` and upper-case keys.
 * - Authority: a host (DNS name, IPv4, or IPv6 in brackets), an optional user and port, each in a
 *   strict character set, nothing starting with `-`; no password, no second `@`.
 */
export function checkLibvirtUri(uri: string): Problem | undefined {
  const shown = showName(uri);
  const bad = badCharacter(uri);
  if (bad !== undefined) return problem(`${shown} ${bad}`, SHAPE_HELP);
  const m = /^([A-Za-z][A-Za-z0-9.-]*)(?:\+([A-Za-z0-9.+-]*))?:\/\/([^/?]*)(\/[^?]*)?(?:\?(.*))?$/.exec(uri);
  if (m === null) return problem(`${shown} is not a libvirt URI`, SHAPE_HELP);
  const [, driver = "", written, authority = "", path = "", query] = m;
  if (driver !== "qemu") {
    return problem(
      `${shown} names the libvirt driver "${driver}"`,
      "frost manages QEMU/KVM domains: write qemu:///system (this host) or qemu+ssh://user@host/system (a remote host)",
    );
  }
  const transport = transportOf(written, authority);
  if (typeof transport !== "string") return problem(`${shown} ${transport.why}`, transport.instead);
  const place = checkAuthority(transport, authority);
  if (place !== undefined) return problem(`${shown} ${place.why}`, place.instead);
  if (path === "") {
    const local = authority === "system" || authority === "session";
    return problem(
      `${shown} is not a libvirt URI: it has no path after the host`,
      local ? `did you mean qemu:///${authority}? this host's URI has three slashes` : SHAPE_HELP,
    );
  }
  if (path !== "/system" && path !== "/session") {
    return problem(
      `${shown} has the path "${path}"`,
      "a QEMU URI ends in /system (the system daemon, as root) or /session (the user's own daemon), e.g. qemu:///system",
    );
  }
  if (query === undefined) return undefined;
  const params = checkParameters(transport, query);
  return params !== undefined ? problem(`${shown} ${params.why}`, params.instead) : undefined;
}

/** How frost reaches the daemon: `local` is a URI with neither transport nor host. */
type Transport = "local" | "unix" | "ssh" | "tls";

/** Why a part of the URI is refused, and what to write instead. */
interface Refusal {
  why: string;
  instead: string;
}

const SHAPE_HELP = "write a libvirt connection URI such as qemu:///system (this host) or qemu+ssh://user@host/system (a remote host)";

/** What to write instead, for this host and for a remote one. */
const EITHER = "write qemu:///system for this host, or qemu+ssh://user@host/system for a remote host";
const REMOTE = "write qemu+ssh://user@host/system";

/** What the refused transports do, and what to write instead. */
const REFUSED_TRANSPORTS: Record<string, Refusal> = {
  ext: {
    why: "uses libvirt's ext transport, which runs the program its command= parameter names",
    instead: `a configuration never chooses a program for frost to run; ${EITHER}`,
  },
  tcp: {
    why: "uses libvirt's tcp transport, which is unencrypted and, by default, unauthenticated",
    instead: `${REMOTE} (or qemu+tls://host/system, with libvirt's TLS certificates)`,
  },
  libssh: {
    why: "uses libvirt's libssh transport, which asks for host keys and passwords on a terminal frost does not have",
    instead: `${REMOTE}: the same connection through OpenSSH, with your ~/.ssh/config, keys and known_hosts`,
  },
  libssh2: {
    why: "uses libvirt's libssh2 transport, which asks for host keys and passwords on a terminal frost does not have",
    instead: `${REMOTE}: the same connection through OpenSSH, with your ~/.ssh/config, keys and known_hosts`,
  },
};

function transportOf(written: string | undefined, authority: string): Transport | Refusal {
  if (written === undefined) return authority === "" ? "local" : "tls";
  if (written === "unix" || written === "ssh" || written === "tls") return written;
  return (
    REFUSED_TRANSPORTS[written.toLowerCase()] ?? {
      why: `uses the transport "${written}", which frost does not know`,
      instead: `frost connects through no transport (this host), unix, ssh or tls; ${EITHER}`,
    }
  );
}

/** A reason to refuse a character anywhere in a URI, or undefined. */
function badCharacter(uri: string): string | undefined {
  const control = controlCharacter(uri);
  if (control !== undefined) return `contains the control character ${control}`;
  if (/\s/.test(uri)) return "contains whitespace";
  if (uri.includes("%")) {
    return "contains a percent-escape: libvirt decodes them, so they could hide a parameter, a host or an option; write the URI without '%'";
  }
  if (uri.includes("#")) return "contains '#' (a URI fragment), which libvirt URIs do not have";
  return undefined;
}

const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** The authority (`[user@]host[:port]`) for this transport: none where the daemon is local. */
function checkAuthority(transport: Transport, authority: string): Refusal | undefined {
  if (transport === "local" || transport === "unix") {
    if (authority === "") return undefined;
    return {
      why: `reaches this machine's own socket, so it takes no host, user or port ("${authority}")`,
      instead: EITHER,
    };
  }
  const fix = `write the host as a DNS name, an IPv4 address or an IPv6 address in brackets, with an optional user and port, e.g. qemu+${transport}://root@kvm1.example.net:2222/system`;
  if (authority === "") return { why: `has no host, which the ${transport} transport needs`, instead: fix };
  const at = authority.split("@");
  if (at.length > 2) return { why: "has more than one '@' before its host", instead: fix };
  const [user, hostPort = ""] = at.length === 2 ? at : [undefined, at[0]];
  if (user !== undefined) {
    if (user.includes(":")) {
      return {
        why: "carries a password in its user part",
        instead: "leave the password out: ssh takes keys (ssh-agent, keyfile=), TLS takes certificates",
      };
    }
    if (user.startsWith("-")) return { why: `has the user "${user}", which starts with '-': ssh would read it as an option`, instead: fix };
    if (!USER.test(user))
      return {
        why: `has the user "${user}", which is not a user name`,
        instead: `${fix}; a user name is letters, digits, '_', '.' and '-', at most 32`,
      };
  }
  const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort);
  const host = m?.[1] ?? "";
  const port = m?.[2];
  if (host === "") return { why: `has no host, which the ${transport} transport needs`, instead: fix };
  if (host.startsWith("-")) return { why: `has the host "${host}", which starts with '-': ssh would read it as an option`, instead: fix };
  if (host.startsWith("[")) {
    if (!isIPv6(host.slice(1, -1))) return { why: `has "${host}", which is not an IPv6 address in brackets`, instead: fix };
  } else if (host.length > 253 || !host.split(".").every((label) => HOST_LABEL.test(label))) {
    return { why: `has the host "${host}", which is not a DNS name or an IP address`, instead: fix };
  }
  if (port !== undefined && (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    return { why: `has the port "${port}"`, instead: `a port is a number from 1 to 65535; ${fix}` };
  }
  return undefined;
}

/** A parameter value shape: its test, and how it is described. */
interface ValueShape {
  test: (value: string) => boolean;
  text: string;
}

const FLAG: ValueShape = { test: (v) => v === "0" || v === "1", text: "0 or 1" };
const ABSOLUTE_PATH: ValueShape = {
  test: (v) => /^(?:\/[A-Za-z0-9_.][A-Za-z0-9._-]*)+\/?$/.test(v) && !v.split("/").some((part) => part === "." || part === ".."),
  text: "an absolute path of letters, digits, '.', '_', '-' and '/', no component starting with '-' and none that is . or ..",
};
const oneOf = (...values: string[]): ValueShape => ({ test: (v) => values.includes(v), text: values.join(", ") });

/** The parameters frost accepts, per transport, with libvirt's meaning in a comment. */
const PARAMETERS: Record<Transport, Record<string, ValueShape>> = {
  // mode: which daemon libvirt talks to (auto, the per-driver virtqemud, or the monolithic libvirtd).
  local: { mode: oneOf("auto", "direct", "legacy") },
  unix: { mode: oneOf("auto", "direct", "legacy") },
  ssh: {
    mode: oneOf("auto", "direct", "legacy"),
    // proxy: which of libvirt's own helpers runs on the remote side (virt-ssh-helper or nc).
    proxy: oneOf("auto", "netcat", "native"),
    // keyfile: ssh's -i; no_verify: StrictHostKeyChecking=no (new keys accepted, changed ones not);
    // no_tty: BatchMode=yes, so that ssh never waits for a password.
    keyfile: ABSOLUTE_PATH,
    no_verify: FLAG,
    no_tty: FLAG,
  },
  tls: {
    // pkipath: the directory of the client's certificates; no_verify: skip the server's certificate check.
    pkipath: ABSOLUTE_PATH,
    no_verify: FLAG,
  },
};

/** Parameters refused whatever their value and transport, with what each would do. */
const REFUSED_PARAMETERS: Record<string, string> = {
  command:
    "names the program libvirt runs to reach the host (ssh's, or ext's command): a configuration never chooses a program for frost to run",
  netcat: "names the program libvirt runs on the remote host: a configuration never chooses a program for frost to run",
  socket: "points libvirt at another socket, and over ssh reaches the remote host's shell",
  name: "changes the URI libvirt opens on the other side",
  known_hosts: "is read only by the libssh and libssh2 transports (for ssh, set UserKnownHostsFile in ~/.ssh/config)",
  known_hosts_verify: "is read only by the libssh and libssh2 transports, and can turn host key checking off",
  sshauth: "is read only by the libssh and libssh2 transports",
};

/** The query, split as libvirt splits it (at `&` and `;`), each key and value checked. */
function checkParameters(transport: Transport, query: string): Refusal | undefined {
  const allowed = PARAMETERS[transport];
  const list = Object.keys(allowed).join(", ");
  const kind = transport === "local" ? "a local URI" : `the ${transport} transport`;
  const seen = new Set<string>();
  for (const part of query.split(/[&;]/)) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? undefined : part.slice(eq + 1);
    if (key === "") {
      return {
        why: "has an empty parameter",
        instead: `write parameters as key=value separated by '&'; frost accepts for ${kind}: ${list}`,
      };
    }
    const refused = REFUSED_PARAMETERS[key.toLowerCase()];
    if (refused !== undefined) {
      return {
        why: `has the parameter ${key}=, which ${refused}`,
        instead: `remove ${key}=; frost accepts only the parameters it knows to be safe, for ${kind}: ${list}`,
      };
    }
    const shape = allowed[key];
    if (shape === undefined) {
      return {
        why: `has the parameter "${key}", which frost does not accept for ${kind}`,
        instead: `frost accepts only the parameters it knows to be safe; for ${kind}: ${list}`,
      };
    }
    if (seen.has(key)) return { why: `has the parameter ${key}= twice`, instead: `write ${key}= once` };
    seen.add(key);
    if (value === undefined || !shape.test(value)) {
      return { why: `has ${key}=${value ?? ""}`, instead: `${key} must be ${shape.text}` };
    }
  }
  return undefined;
}

function problem(summary: string, detail: string): Problem {
  return { problem: { summary, detail } };
}
