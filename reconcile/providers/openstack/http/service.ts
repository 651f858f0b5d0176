import type { IncomingHttpHeaders } from "node:http";
import { chooseEndpoint } from "../auth/catalog.js";
import type { IssuedToken } from "../auth/keystone.js";
import type { KeystoneSession } from "../auth/session.js";
import { OpenStackError } from "../cloud.js";
import { apiRoot, type ApiRoot } from "./api-root.js";
import { answerError, SERVICE_NAMES, transportError, unreadableAnswer, type CallSite, type ServiceType } from "./failure.js";
import { TransportError, type StreamBody, type Transport } from "./transport.js";
import { USER_AGENT } from "./user-agent.js";

/** What every service of one cloud shares: the token, the transport, the default deadline. */
export interface CloudContext {
  session: KeystoneSession;
  transport: Transport;
  /** frost's deadline per request, unless a call gives its own. */
  timeoutMs: number;
}

export interface CallOptions {
  /** A JSON body (sent as application/json unless `contentType` says otherwise). */
  json?: unknown;
  /** A body streamed from a file. */
  stream?: StreamBody;
  contentType?: string;
  /** This call's deadline instead of the default. */
  timeoutMs?: number;
  /** Statuses handed back instead of thrown (404 for the get* calls). */
  accept?: number[];
}

export interface ServiceAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  site: CallSite;
}

/**
 * Requests to one service of the catalog, with the token: the endpoint chosen from the catalog
 * (by type, interface, region), a 401 answered by authenticating again and retrying once,
 * failures turned into OpenStackErrors naming the service, method and path — scrubbed of secrets.
 */
export class ServiceClient {
  readonly #context: CloudContext;
  readonly #headers: Record<string, string>;

  constructor(
    readonly type: ServiceType,
    context: CloudContext,
    headers: Record<string, string> = {},
  ) {
    this.#context = context;
    this.#headers = headers;
  }

  /** The default deadline of a request, in ms. */
  get timeoutMs(): number {
    return this.#context.timeoutMs;
  }

  /** False when the catalog has no service of this type at all. */
  async available(): Promise<boolean> {
    const token = await this.#context.session.token();
    const choice = chooseEndpoint(token.catalog, this.type, this.#credentials.interface, this.#credentials.region);
    return !("absent" in choice && choice.absent);
  }

  /** `path` is relative to the API root (`/images/ID`), query included. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<ServiceAnswer> {
    const { session, transport } = this.#context;
    const timeoutMs = options.timeoutMs ?? this.#context.timeoutMs;
    const scrub = (text: string) => session.scrub(text);
    let token = await session.token();
    for (let attempt = 1; ; attempt++) {
      const api = this.#root(token);
      const url = new URL(`${api.root}${path}`);
      const site: CallSite = { service: this.type, method, path: `/${api.version}${path.replace(/\?.*$/, "")}`, url };
      const headers: Record<string, string> = {
        Accept: "application/json",
        "User-Agent": USER_AGENT,
        ...this.#headers,
        "X-Auth-Token": token.value.reveal(),
      };
      let body: Buffer | StreamBody | undefined;
      if (options.stream !== undefined) {
        body = options.stream;
        headers["Content-Type"] = options.contentType ?? "application/octet-stream";
      } else if (options.json !== undefined) {
        body = Buffer.from(JSON.stringify(options.json));
        headers["Content-Type"] = options.contentType ?? "application/json";
      }
      let answer;
      try {
        answer = await transport({ method, url, headers, timeoutMs, ...(body !== undefined ? { body } : {}) });
      } catch (e) {
        if (e instanceof TransportError) throw transportError(site, e, timeoutMs, scrub);
        throw e;
      }
      if (answer.status === 401 && attempt === 1) {
        // The token expired early or was revoked: a new one, and this request once more.
        token = await session.renew(token);
        continue;
      }
      if ((answer.status >= 200 && answer.status < 300) || options.accept?.includes(answer.status)) return { ...answer, site };
      const hint =
        answer.status === 401
          ? `${SERVICE_NAMES[this.type]} refused a fresh token as well; check the user's roles in the project`
          : undefined;
      throw answerError(site, answer.status, answer.body, hint, scrub);
    }
  }

  /** `call`, and the answer's body as JSON (undefined for an accepted error status: its body is not read). */
  async json(method: string, path: string, options: CallOptions = {}): Promise<{ value: unknown; answer: ServiceAnswer }> {
    const answer = await this.call(method, path, options);
    if (answer.status >= 300) return { value: undefined, answer };
    return { value: parseBody(answer, (t) => this.#context.session.scrub(t)), answer };
  }

  get #credentials() {
    return this.#context.session.credentials;
  }

  #root(token: IssuedToken): ApiRoot {
    const { interface: iface, region, source } = this.#credentials;
    const choice = chooseEndpoint(token.catalog, this.type, iface, region);
    if ("url" in choice) return apiRoot(this.type, choice.url);
    throw new OpenStackError(`${SERVICE_NAMES[this.type]}: ${choice.problem} (Keystone's catalog for ${source})`, 0, this.type);
  }
}

/** An answer's body as JSON, or an OpenStackError saying the answer cannot be read. */
export function parseBody(answer: ServiceAnswer, scrub: (text: string) => string): unknown {
  const text = answer.body.toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const start = text.replace(/\s+/g, " ").trim().slice(0, 80);
    throw unreadableAnswer(answer.site, answer.status, `the body is not JSON (${start ? JSON.stringify(start) : "empty"})`, scrub);
  }
}
