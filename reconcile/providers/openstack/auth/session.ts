import type { Transport } from "../http/transport.js";
import type { Credentials } from "./credentials.js";
import { issueToken, type IssuedToken } from "./keystone.js";
import { redact, type Secret } from "./secret.js";

/** A token is renewed this long before Keystone says it expires, so that no request carries one that lapses on the way. */
export const EXPIRY_MARGIN_MS = 60_000;

/**
 * The token of one cloud, in memory only (never written anywhere): issued on first use, shared by
 * concurrent calls (one POST for all of them), reused until EXPIRY_MARGIN_MS before it expires,
 * and dropped when a service refuses it (`renew`).
 */
export class KeystoneSession {
  readonly #credentials: Credentials;
  readonly #transport: Transport;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #current: IssuedToken | undefined;
  #pending: Promise<IssuedToken> | undefined;
  /** Every token issued, for `scrub`: an answer may echo an older one. */
  readonly #issued: Secret[] = [];

  constructor(credentials: Credentials, transport: Transport, timeoutMs: number, now: () => number = Date.now) {
    this.#credentials = credentials;
    this.#transport = transport;
    this.#timeoutMs = timeoutMs;
    this.#now = now;
  }

  get credentials(): Credentials {
    return this.#credentials;
  }

  /** A token valid for at least EXPIRY_MARGIN_MS more (as far as Keystone said). */
  token(): Promise<IssuedToken> {
    const current = this.#current;
    if (current && (current.expiresAt === undefined || current.expiresAt - EXPIRY_MARGIN_MS > this.#now())) return Promise.resolve(current);
    this.#pending ??= issueToken(this.#credentials, this.#transport, this.#timeoutMs, (t) => this.scrub(t)).then(
      (issued) => {
        this.#current = issued;
        this.#issued.push(issued.value);
        this.#pending = undefined;
        return issued;
      },
      (e: unknown) => {
        this.#pending = undefined;
        throw e;
      },
    );
    return this.#pending;
  }

  /** A new token after a service refused `stale` (401); a token issued meanwhile by another call is used as is. */
  renew(stale: IssuedToken): Promise<IssuedToken> {
    if (this.#current === stale) this.#current = undefined;
    return this.token();
  }

  /** `text` without the password or any token issued. */
  scrub(text: string): string {
    return redact(text, [this.#credentials.password, ...this.#issued]);
  }
}
