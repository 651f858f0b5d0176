import { BaseType, string, type Reader, type Writer, type XdrType } from "@stellar/js-xdr";

/**
 * The XDR building blocks of libvirt's protocol. Every byte layout comes from @stellar/js-xdr's
 * schemas (RFC 4506: big-endian words, length prefixes, zero padding to four bytes, bounded
 * lengths checked on read and write); frost only declares which types a message is made of.
 */
export { array, int32, opaque, option, struct, uint32, uint64, int64, double, union, field, enumType, XdrError } from "@stellar/js-xdr";
export { case as unionCase, void as xdrVoid } from "@stellar/js-xdr";
export type { Infer, XdrType } from "@stellar/js-xdr";

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * An XDR `string<max>` read as text. libvirt's strings are UTF-8 (names, XML, messages): decoded
 * strictly, so a name is never silently altered, and encoded as UTF-8, so a quote, a space or a
 * non-ASCII letter reaches libvirt as the operator typed it.
 */
class TextSchema extends BaseType<string> {
  readonly kind = "string";
  private readonly bytes: XdrType<Uint8Array>;

  constructor(maxLength: number) {
    super();
    this.bytes = string(maxLength);
  }

  _read(reader: Reader, path: string): string {
    const raw = this.bytes._read(reader, path);
    try {
      return utf8.decode(raw);
    } catch {
      throw new Error(`${path || "string"}: libvirt sent a string that is not UTF-8`);
    }
  }

  _write(value: string, writer: Writer, path: string): void {
    if (typeof value !== "string") throw new Error(`${path || "string"}: expected a string, got ${typeof value}`);
    this.bytes._write(encoder.encode(value), writer, path);
  }
}

/** An XDR string of at most `maxLength` bytes, as JavaScript text (UTF-8 on the wire). */
export function text(maxLength: number): XdrType<string> {
  return new TextSchema(maxLength);
}
