/** The longest message frost quotes from an error answer; the rest is cut (`…`). */
export const MAX_MESSAGE = 300;

/**
 * A one-line message from an OpenStack error answer. JSON bodies wrap it in one key (Nova:
 * `{"badRequest": {"message": …}}`, `itemNotFound`, `conflictingRequest`; Keystone:
 * `{"error": {"message": …}}`; Neutron: `{"NeutronError": {"message": …}}`); Glance answers with
 * an HTML page whose title and heading repeat the status. Tags stripped, entities decoded,
 * whitespace collapsed, cut at MAX_MESSAGE. Empty when the body says nothing.
 */
export function errorMessage(body: Buffer | string): string {
  const text = (typeof body === "string" ? body : body.toString("utf8")).trim();
  if (text === "") return "";
  if (text.startsWith("{") || text.startsWith("[")) {
    try {
      const found = messageIn(JSON.parse(text) as unknown, 0);
      return oneLine(found ?? text);
    } catch {
      // Not JSON after all: read as text.
    }
  }
  if (/<[a-z!][^>]*>/i.test(text)) return oneLine(fromHtml(text));
  return oneLine(text);
}

/** The first `message` (else `detail`, `faultstring`, `title`) string, looking into nested objects. */
function messageIn(value: unknown, depth: number): string | undefined {
  if (depth > 4 || typeof value !== "object" || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = messageIn(item, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key of ["message", "detail", "faultstring", "title"]) {
    const v = record[key];
    if (typeof v === "string" && v.trim() !== "") return v;
  }
  for (const v of Object.values(record)) {
    const found = messageIn(v, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The text of an HTML error page, without its head and without a heading that only repeats the status (`<h1>409 Conflict</h1>`). */
function fromHtml(html: string): string {
  return decodeEntities(
    html
      .replace(/<head[\s\S]*?<\/head>/gi, " ")
      .replace(/<(script|style|title)[\s\S]*?<\/\1>/gi, " ")
      .replace(/<h1>\s*\d{3}\b[^<]*<\/h1>/gi, " ")
      .replace(/<br\s*\/?>/gi, " ")
      .replace(/<[^>]*>/g, " "),
  );
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]+);/gi, (whole, name: string) => {
    if (!name.startsWith("#")) return named[name.toLowerCase()] ?? whole;
    const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}
