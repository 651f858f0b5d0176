import { answerError, transportError, unreadableAnswer, type CallSite, type Scrub } from "../http/failure.js";
import { TransportError, type Transport } from "../http/transport.js";
import { USER_AGENT } from "../http/user-agent.js";
import { parseCatalog, type CatalogService } from "./catalog.js";
import type { Credentials, KeystoneRef } from "./credentials.js";
import { Secret } from "./secret.js";

/** A project-scoped token: its value (a Secret), when it expires, and the catalog it came with. */
export interface IssuedToken {
  value: Secret;
  /** Epoch ms; undefined when Keystone did not say (reused until a service answers 401). */
  expiresAt?: number;
  catalog: CatalogService[];
}

/**
 * POST /v3/auth/tokens with the password, scoped to the project: the token is in X-Subject-Token,
 * its expiry and the catalog in the body. Failures name Keystone and what to check; the password
 * never appears in them (`scrub` removes it should Keystone echo it).
 */
export async function issueToken(credentials: Credentials, transport: Transport, timeoutMs: number, scrub: Scrub): Promise<IssuedToken> {
  const url = new URL(`${credentials.authUrl}/auth/tokens`);
  const site: CallSite = { service: "identity", method: "POST", path: "/v3/auth/tokens", url };
  const body = {
    auth: {
      identity: { methods: ["password"], password: { user: { ...refJson(credentials.user), password: credentials.password.reveal() } } },
      scope: { project: refJson(credentials.project) },
    },
  };
  let answer;
  try {
    answer = await transport({
      method: "POST",
      url,
      headers: { "Content-Type": "application/json", Accept: "application/json", "User-Agent": USER_AGENT },
      body: Buffer.from(JSON.stringify(body)),
      timeoutMs,
    });
  } catch (e) {
    if (e instanceof TransportError) throw transportError(site, e, timeoutMs, scrub);
    throw e;
  }
  const received = Date.now();
  if (answer.status !== 201 && answer.status !== 200) {
    const hint =
      answer.status === 401
        ? `check the user, password, project and their domains of ${credentials.source}`
        : answer.status === 404
          ? `check auth_url (OS_AUTH_URL) of ${credentials.source}: it should be Keystone's, e.g. https://keystone.example:5000/v3`
          : undefined;
    throw answerError(site, answer.status, answer.body, hint, scrub);
  }
  const header = answer.headers["x-subject-token"];
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) throw unreadableAnswer(site, answer.status, "no X-Subject-Token header (a proxy may drop it)", scrub);
  let token: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(answer.body.toString("utf8")) as { token?: unknown };
    if (typeof parsed.token === "object" && parsed.token !== null) token = parsed.token as Record<string, unknown>;
  } catch {
    // reported below
  }
  if (!token) throw unreadableAnswer(site, answer.status, "the body is not a token as JSON", scrub);
  const catalog = parseCatalog(token["catalog"]);
  if (!catalog) throw unreadableAnswer(site, answer.status, "the token has no service catalog", scrub);
  const expiresAt = localExpiry(token["issued_at"], token["expires_at"], received);
  return { value: new Secret(value), ...(expiresAt !== undefined ? { expiresAt } : {}), catalog };
}

/**
 * When the token expires on this machine's clock: its lifetime (expires_at - issued_at, both
 * Keystone's clock) from when it arrived, so that a clock set differently from Keystone's neither
 * throws tokens away at once nor keeps them past their end. expires_at as it is without issued_at.
 */
export function localExpiry(issuedAt: unknown, expiresAt: unknown, receivedAt: number): number | undefined {
  const end = typeof expiresAt === "string" ? Date.parse(expiresAt) : NaN;
  if (!Number.isFinite(end)) return undefined;
  const start = typeof issuedAt === "string" ? Date.parse(issuedAt) : NaN;
  return Number.isFinite(start) && end > start ? receivedAt + (end - start) : end;
}

function refJson(ref: KeystoneRef): Record<string, unknown> {
  return "id" in ref ? { id: ref.id } : { name: ref.name, domain: ref.domain };
}
