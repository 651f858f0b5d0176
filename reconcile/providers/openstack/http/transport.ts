import { readFile } from "node:fs/promises";
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";
import { rootCertificates } from "node:tls";
import { CredentialsError } from "../auth/errors.js";

/** A body read from a file as it is sent; `open` again for a retry. */
export interface StreamBody {
  open(): Readable;
  length: number;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Buffer | StreamBody;
  /** frost's own deadline for the whole exchange, from connecting to the last byte of the answer. */
  timeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP exchange; throws a TransportError when there is no complete answer. */
export type Transport = (request: HttpRequest) => Promise<HttpAnswer>;

/** What went wrong below HTTP: the deadline, connecting, the name, TLS, a connection cut, the local file. */
export type TransportFailure = "timeout" | "connect" | "dns" | "tls" | "reset" | "read" | "other";

export class TransportError extends Error {
  constructor(
    readonly failure: TransportFailure,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "TransportError";
  }
}

export interface TlsSettings {
  /** An extra CA file (PEM), trusted besides the system's. */
  cacert?: string;
  /** False: certificates are not checked. */
  verify: boolean;
}

/**
 * The transport of one cloud: node's http/https with keep-alive agents carrying the TLS settings
 * (the cacert read once, here). `source` names where the settings came from, for messages.
 */
export async function createTransport(tls: TlsSettings, source: string): Promise<Transport> {
  let ca: string[] | undefined;
  if (tls.cacert !== undefined) {
    try {
      ca = [...rootCertificates, await readFile(tls.cacert, "utf8")];
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new CredentialsError(`the CA file ${tls.cacert} (cacert of ${source}) cannot be read (${code}); fix the path or remove it`);
    }
  }
  // Idle connections are closed after IDLE_SOCKET_MS (or sooner when the server's Keep-Alive
  // header says so), before most servers close them: a request rarely meets a closed one.
  const agents = {
    http: new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
    https: new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS, rejectUnauthorized: tls.verify, ...(ca ? { ca } : {}) }),
  };
  return async (request) => {
    try {
      return await exchange(request, agents);
    } catch (e) {
      // A kept-alive connection the server closed while idle fails at once, before the server
      // read anything: a request that may be repeated is sent again, once, on a new connection.
      // A POST is not: had the server acted on it after all, it would act twice.
      if (e instanceof StaleSocketError && REPEATABLE.has(request.method)) return exchange(request, agents);
      throw e;
    }
  };
}

/** How long an idle kept-alive connection is kept. */
const IDLE_SOCKET_MS = 4_000;

const REPEATABLE = new Set(["GET", "HEAD", "PUT", "DELETE"]);

class StaleSocketError extends TransportError {}

function exchange(request: HttpRequest, agents: { http: HttpAgent; https: HttpsAgent }): Promise<HttpAnswer> {
  const { url, method, body } = request;
  const https = url.protocol === "https:";
  const headers: Record<string, string> = { ...request.headers };
  if (body !== undefined) headers["Content-Length"] = String(body.length);
  let req: ClientRequest;
  try {
    req = (https ? httpsRequest : httpRequest)(url, { method, headers, agent: https ? agents.https : agents.http });
  } catch (e) {
    // A header node refuses (a token with a character HTTP does not allow): its message names the header, not the value.
    return Promise.reject(new TransportError("other", (e as NodeJS.ErrnoException).code, (e as Error).message));
  }
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    let answered = false;
    let source: Readable | undefined;
    const settle = (outcome: { answer: HttpAnswer } | { error: TransportError }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      source?.destroy();
      if ("error" in outcome || !req.writableFinished) req.destroy();
      if ("error" in outcome) reject(outcome.error);
      else resolve(outcome.answer);
    };
    const timer = setTimeout(
      () => settle({ error: new TransportError("timeout", undefined, `no complete answer within ${request.timeoutMs} ms`) }),
      request.timeoutMs,
    );
    req.on("error", (e: NodeJS.ErrnoException) => {
      const error = classify(e);
      settle({
        error:
          !answered && req.reusedSocket && error.failure === "reset" ? new StaleSocketError("reset", error.code, error.message) : error,
      });
    });
    req.on("response", (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => settle({ answer: { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) } }));
      res.on("error", (e: NodeJS.ErrnoException) => settle({ error: classify(e) }));
      res.on("close", () =>
        settle({ error: new TransportError("reset", undefined, "the connection closed before the answer was complete") }),
      );
    });
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      source = body.open();
      source.on("error", (e: NodeJS.ErrnoException) =>
        settle({ error: new TransportError("read", e.code, `reading the upload failed: ${e.message}`) }),
      );
      source.pipe(req);
    }
  });
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

function classify(e: NodeJS.ErrnoException): TransportError {
  const code = e.code;
  if (code === "ECONNREFUSED" || code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "ETIMEDOUT" || code === "EADDRNOTAVAIL") {
    return new TransportError("connect", code, e.message);
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new TransportError("dns", code, e.message);
  if (code !== undefined && TLS_CODE.test(code)) return new TransportError("tls", code, e.message);
  if (code === "ECONNRESET" || code === "EPIPE" || e.message === "socket hang up") return new TransportError("reset", code, e.message);
  return new TransportError("other", code, e.message);
}
