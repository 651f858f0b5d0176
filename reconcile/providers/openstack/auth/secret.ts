import { inspect } from "node:util";

/**
 * A password or a token. The value comes out only through `reveal()`, where a request is built:
 * printed, logged, serialised or interpolated into a message, a Secret shows `***`, so that a
 * credentials object that ends up in an error or a debug print never carries the secret itself.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return "***";
  }

  toJSON(): string {
    return "***";
  }

  [inspect.custom](): string {
    return "Secret(***)";
  }
}

/**
 * `text` with every occurrence of the secrets replaced by `***`. The last guard on messages built
 * from what a service answered: frost never puts a secret into a message itself, but an answer
 * body might echo one back.
 */
export function redact(text: string, secrets: Iterable<Secret | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    const value = secret?.reveal();
    if (value) out = out.split(value).join("***");
  }
  return out;
}
