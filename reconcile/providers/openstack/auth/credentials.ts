import { isAbsolute, join, resolve } from "node:path";
import { CredentialsError } from "./errors.js";
import { Secret } from "./secret.js";

export type EndpointInterface = "public" | "internal" | "admin";

/** A user or a project for Keystone: by id, or by name within a domain (itself by id or name). */
export type KeystoneRef = { id: string } | { name: string; domain: { id: string } | { name: string } };

/** Everything needed to ask Keystone v3 for a project-scoped token with a password, and to reach the services. */
export interface Credentials {
  /** Where they came from, for messages: `cloud "x" in /path/clouds.yaml` or `the OS_* environment variables`. */
  source: string;
  /** Keystone's v3 root, e.g. `https://keystone:5000/v3`. */
  authUrl: string;
  user: KeystoneRef;
  password: Secret;
  project: KeystoneRef;
  region?: string;
  interface: EndpointInterface;
  /** An extra CA file (PEM) to trust. */
  cacert?: string;
  /** False: TLS certificates are not checked (verify: false, OS_INSECURE). */
  verify: boolean;
}

/**
 * The fields as read from one source, each with the name the user knows it by (`auth.password`,
 * `OS_PASSWORD`). A field present with a value that is not text is in `notText`.
 */
export interface RawFields {
  authType?: string;
  identityApiVersion?: string;
  authUrl?: string;
  username?: string;
  userId?: string;
  password?: string;
  projectName?: string;
  projectId?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  region?: string;
  interface?: string;
  cacert?: string;
  insecure?: boolean;
  notText: string[];
}

/** How a source names its fields, and what to tell the user about it. */
export interface FieldSource {
  /** `cloud "x" in /p/clouds.yaml` */
  source: string;
  names: Record<Exclude<keyof RawFields, "notText" | "insecure">, string>;
  /** The end of the "incomplete" message: where to set what is missing. */
  howToFix: string;
  /** The end of the "unsupported" message. */
  authTypeWhere: string;
  /** What a relative cacert is relative to, and what `~` is. */
  cwd: string;
  home: string;
}

const SUPPORTED_AUTH_TYPES = new Set(["password", "v3password"]);

/**
 * Checks and assembles the credentials: Keystone v3 password authentication with a project scope,
 * nothing else. Every missing or malformed field is named in one error, so that one round of
 * fixing is enough.
 */
export function assembleCredentials(raw: RawFields, from: FieldSource): Credentials {
  const n = from.names;
  if (raw.authType !== undefined && !SUPPORTED_AUTH_TYPES.has(raw.authType)) {
    throw new CredentialsError(
      `OpenStack credentials of ${from.source}: ${n.authType} is ${JSON.stringify(raw.authType)}, which frost does not support; ` +
        `frost authenticates with Keystone v3 passwords only (${n.authType} password, v3password or unset, with a user, a password and a project)${from.authTypeWhere}`,
    );
  }
  if (raw.identityApiVersion !== undefined && !/^3(\.|$)/.test(raw.identityApiVersion)) {
    throw new CredentialsError(
      `OpenStack credentials of ${from.source}: ${n.identityApiVersion} is ${JSON.stringify(raw.identityApiVersion)}; frost speaks Keystone v3 only: set it to 3 or remove it`,
    );
  }

  const missing: string[] = [];
  const wrong: string[] = [];
  if (raw.authUrl === undefined) missing.push(n.authUrl);
  const user = ref(raw.userId, raw.username, raw.userDomainId, raw.userDomainName);
  if (user === "no-ref") missing.push(`${n.username} or ${n.userId}`);
  if (user === "no-domain") missing.push(`${n.userDomainName} or ${n.userDomainId} (the user's domain, often Default)`);
  if (raw.password === undefined) missing.push(n.password);
  const project = ref(raw.projectId, raw.projectName, raw.projectDomainId, raw.projectDomainName);
  if (project === "no-ref") missing.push(`${n.projectName} or ${n.projectId} (frost needs a project-scoped token)`);
  if (project === "no-domain") missing.push(`${n.projectDomainName} or ${n.projectDomainId} (the project's domain, often Default)`);

  let authUrl: string | undefined;
  if (raw.authUrl !== undefined) {
    const url = keystoneV3Url(raw.authUrl);
    if (typeof url === "string") authUrl = url;
    else wrong.push(`${n.authUrl} ${url.problem}`);
  }
  const iface = raw.interface === undefined ? "public" : endpointInterface(raw.interface);
  if (iface === undefined) wrong.push(`${n.interface} is ${JSON.stringify(raw.interface)}, not public, internal or admin`);
  for (const field of raw.notText) wrong.push(`${field} is not text (quote it in YAML)`);

  if (missing.length > 0 || wrong.length > 0 || authUrl === undefined || typeof user === "string" || typeof project === "string") {
    const parts = [
      ...(missing.length > 0 ? [`missing ${missing.join(", ")}`] : []),
      ...(wrong.length > 0 ? [`wrong: ${wrong.join("; ")}`] : []),
    ];
    throw new CredentialsError(`OpenStack credentials of ${from.source} are incomplete: ${parts.join("; ")}; ${from.howToFix}`);
  }
  return {
    source: from.source,
    authUrl,
    user,
    password: new Secret(raw.password as string),
    project,
    ...(raw.region !== undefined ? { region: raw.region } : {}),
    interface: iface as EndpointInterface,
    ...(raw.cacert !== undefined ? { cacert: absolutePath(raw.cacert, from.cwd, from.home) } : {}),
    verify: raw.insecure !== true,
  };
}

function ref(id: string | undefined, name: string | undefined, domainId: string | undefined, domainName: string | undefined) {
  if (id !== undefined) return { id } as KeystoneRef;
  if (name === undefined) return "no-ref" as const;
  if (domainId !== undefined) return { name, domain: { id: domainId } } as KeystoneRef;
  if (domainName !== undefined) return { name, domain: { name: domainName } } as KeystoneRef;
  return "no-domain" as const;
}

/**
 * Keystone's v3 root from an auth_url as users write it: `/v3` appended when absent (openstacksdk
 * discovers it; frost does not), a trailing slash dropped. A v2.0 URL is refused: frost speaks v3 only.
 */
export function keystoneV3Url(raw: string): string | { problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: `is not a URL (write it as https://keystone.example:5000/v3)` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { problem: `is not an http(s) URL` };
  const path = url.pathname.replace(/\/+$/, "");
  const last = path.split("/").pop() ?? "";
  if (/^v2(\.0)?$/.test(last)) return { problem: `is Keystone's v2.0 API; frost speaks v3 only: write the URL ending in /v3` };
  url.pathname = /^v3(\.\d+)?$/.test(last) ? path : `${path}/v3`;
  url.search = "";
  url.hash = "";
  return url.toString().replace(/\/+$/, "");
}

/** public | internal | admin, from what users write (also keystoneauth's publicURL/internalURL/adminURL). */
export function endpointInterface(value: string): EndpointInterface | undefined {
  const v = value.toLowerCase().replace(/url$/, "");
  return v === "public" || v === "internal" || v === "admin" ? v : undefined;
}

/** True for the forms oslo and openstackclient take as true (OS_INSECURE=true, 1, yes, on). */
export function truthyFlag(value: string | undefined): boolean {
  return value !== undefined && /^(1|t|true|on|y|yes)$/i.test(value.trim());
}

function absolutePath(path: string, cwd: string, home: string): string {
  if (path === "~" || path.startsWith("~/")) return join(home, path.slice(1));
  return isAbsolute(path) ? path : resolve(cwd, path);
}
