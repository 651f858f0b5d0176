import { STATUS_CODES } from "node:http";
import { OpenStackError } from "../cloud.js";
import { errorMessage } from "./error-body.js";
import type { TransportError } from "./transport.js";

/** Service types as the Keystone catalog names them. */
export type ServiceType = "identity" | "image" | "compute" | "network";

/** The names users know the services by, for messages. */
export const SERVICE_NAMES: Record<ServiceType, string> = { identity: "Keystone", image: "Glance", compute: "Nova", network: "Neutron" };

/** Where a request went: `Glance PATCH /v2/images/ID` in messages, the URL for connection failures. */
export interface CallSite {
  service: ServiceType;
  method: string;
  /** The path from the API version on (`/v2/images/ID`), without the query. */
  path: string;
  url: URL;
}

export function siteLabel(site: CallSite): string {
  return `${SERVICE_NAMES[site.service]} ${site.method} ${site.path}`;
}

/** Applied to every message before it leaves: removes secrets an answer might have echoed. */
export type Scrub = (text: string) => string;

const keep: Scrub = (text) => text;

/** `Glance PATCH /v2/images/ID: 409 Conflict: <what Glance said>`, and `hint` (what to do) when given. */
export function answerError(site: CallSite, status: number, body: Buffer, hint?: string, scrub: Scrub = keep): OpenStackError {
  const reason = STATUS_CODES[status];
  const said = errorMessage(body);
  const text = `${siteLabel(site)}: ${status}${reason ? ` ${reason}` : ""}${said ? `: ${said}` : ""}${hint ? `; ${hint}` : ""}`;
  return new OpenStackError(scrub(text), status, site.service);
}

/** An answer frost cannot read (not JSON, a field missing): the status it came with, and what was wrong. */
export function unreadableAnswer(site: CallSite, status: number, what: string, scrub: Scrub = keep): OpenStackError {
  return new OpenStackError(scrub(`${siteLabel(site)}: ${status} answer frost cannot read: ${what}`), status, site.service);
}

/** No answer at all (status 0): what happened, and where to look. */
export function transportError(site: CallSite, e: TransportError, timeoutMs: number, scrub: Scrub = keep): OpenStackError {
  const name = SERVICE_NAMES[site.service];
  const where = `${site.url.origin}${site.url.pathname}`;
  const endpoint =
    site.service === "identity"
      ? "check auth_url (OS_AUTH_URL)"
      : `check the endpoint in the catalog (openstack endpoint list --service ${site.service})`;
  const code = e.code ?? e.message;
  let text: string;
  switch (e.failure) {
    case "timeout":
      text = `no complete answer within ${seconds(timeoutMs)} (frost's request deadline), the request was abandoned; check that ${name} runs and is not overloaded, or give frost a longer deadline`;
      break;
    case "connect":
      text = `cannot connect to ${where} (${code}); ${endpoint}, and that ${name} runs and listens there`;
      break;
    case "dns":
      text = `cannot resolve the host of ${where} (${code}); ${endpoint}, and this machine's DNS`;
      break;
    case "tls":
      text = `TLS with ${where} failed (${code}: ${e.message}); set cacert: (OS_CACERT) to the CA that signed ${name}'s certificate, or verify: false (OS_INSECURE=true) to skip the check`;
      break;
    case "reset":
      text = `${where} closed the connection before the answer was complete (${code}); check ${name}'s logs and any proxy in front of it`;
      break;
    case "read":
      text = e.message;
      break;
    default:
      text = `${where}: ${e.message}`;
  }
  return new OpenStackError(scrub(`${siteLabel(site)}: ${text}`), 0, site.service);
}

function seconds(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
