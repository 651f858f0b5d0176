/**
 * Reading only part of a domain XML: `virsh dumpxml --xpath EXPR` (libvirt >= 8.5) evaluates the
 * expression in virsh and prints the selected nodes, each from column 0 with its children indented
 * (libxml2's formatting), one after the other in document order. Parsing those few nodes in Node
 * costs a fraction of parsing 200 whole documents (~100 ms of a 200-domain plan on the lab).
 */

/**
 * The parts of a domain XML that observation reads (`parseDomainDevices`): the virtio-serial
 * controllers and the channels. Whoever reads more of a definition during observation adds its
 * path here (`/domain/memory`, `/domain/metadata`, …): only these nodes reach the parser.
 * Double quotes inside: virsh gets the expression single-quoted.
 */
export const OBSERVED_PATHS = [`/domain/devices/controller[@type="virtio-serial"]`, `/domain/devices/channel`] as const;

/** What observation reads of a running domain's live XML: OBSERVED_PATHS and the disks, with their backing chains. */
export const OBSERVED_LIVE_PATHS = [...OBSERVED_PATHS, `/domain/devices/disk`] as const;

/** The `--xpath` expression selecting `paths`. */
export function xpathOf(paths: readonly string[]): string {
  return paths.join(" | ");
}

/**
 * A `<domain>` document holding the nodes `dumpxml --xpath` printed for `paths`, each back under
 * its parent: `/domain/devices/x` nodes under `<devices>`, `/domain/x` nodes under `<domain>`.
 * Paths must be absolute element paths of that depth (predicates allowed).
 */
export function domainFromNodes(printed: string, paths: readonly string[]): string {
  const underDevices = new Set<string>();
  for (const path of paths) {
    const steps = path
      .replace(/\[[^\]]*\]/g, "")
      .split("/")
      .filter(Boolean);
    if (steps[0] !== "domain" || steps.length < 2 || steps.length > 3 || (steps.length === 3 && steps[1] !== "devices")) {
      throw new Error(`not a /domain/x or /domain/devices/x path: ${path}`);
    }
    if (steps.length === 3) underDevices.add(steps[2] as string);
  }
  const top: string[] = [];
  const devices: string[] = [];
  for (const node of printedNodes(printed)) {
    const tag = /^<([A-Za-z_][\w.:-]*)/.exec(node)?.[1] ?? "";
    (underDevices.has(tag) ? devices : top).push(node);
  }
  return `<domain>\n${top.join("")}<devices>\n${devices.join("")}</devices>\n</domain>\n`;
}

/**
 * The nodes printed one after the other: each begins on a line that starts with `<` (not `</`);
 * its children are indented and its closing tag is at column 0. Text never starts a line with `<`
 * (libvirt escapes it as `&lt;`).
 */
function printedNodes(printed: string): string[] {
  const nodes: string[] = [];
  for (const line of printed.split("\n")) {
    if (line.length === 0) continue;
    if (line.startsWith("<") && !line.startsWith("</")) nodes.push(`${line}\n`);
    else if (nodes.length > 0) nodes[nodes.length - 1] += `${line}\n`;
  }
  return nodes;
}
