/**
 * Volume names from `virsh vol-list --pool P` (quiet, in the C.UTF-8 locale). libvirt 9 accepts in
 * a volume name what it accepts in a snapshot's (measured on the lab: quotes, spaces, tabs, `\`,
 * `;`, `$`, non-ASCII letters, a leading `-`, trailing spaces, line breaks; not `/`), and virsh has
 * no listing of names alone: `vol-list` prints a table, a row per volume, ` NAME<padding>   PATH`.
 * In a table cell virsh writes a control character as `\xNN` and a `\` before an `x` as `\x5c`, so
 * a row is always one line; in the C locale it writes every byte of a non-ASCII letter as `\xff`,
 * which loses it (hence C.UTF-8, where letters stay as they are). The padding hides a name's
 * trailing spaces, but the path is the last cell, unpadded, and ends with the name in every pool
 * that keeps volumes as entries of a directory (dir, fs, netfs, logical): a row is read as a name
 * only when it is exactly ` N`, spaces, then `P/N` with P the pool's target path.
 */

/** The volumes read back to their names, and the rows that could not be (as virsh printed them). */
export interface VolumeListing {
  names: string[];
  unreadable: string[];
}

/** Reads `vol-list` output of a pool whose target path is `poolPath` (undefined: a pool without one). */
export function parseVolumeList(output: string, poolPath: string | undefined): VolumeListing {
  const listing: VolumeListing = { names: [], unreadable: [] };
  const prefix = poolPath === undefined ? undefined : `${tableCell(poolPath.replace(/\/+$/, ""))}/`;
  for (const row of output.split("\n")) {
    if (row.trim() === "") continue;
    const name = readRow(row, prefix);
    if (name === undefined) listing.unreadable.push(row);
    else listing.names.push(name);
  }
  return listing;
}

/** The name of one row ` N   …/N`, checked against the pool's path (`prefix`: `P/` as a cell) where it has one. */
function readRow(row: string, prefix: string | undefined): string | undefined {
  const slash = row.lastIndexOf("/");
  const cell = row.slice(slash + 1);
  const head = ` ${cell}   `;
  if (cell === "" || !row.startsWith(head) || slash < head.length) return undefined;
  if (prefix !== undefined) {
    const path = `${prefix}${cell}`;
    const start = row.length - path.length;
    if (!row.endsWith(path) || start < head.length || !/^ *$/.test(row.slice(head.length, start))) return undefined;
  }
  return fromCell(cell);
}

/** `text` as virsh writes it in a table cell (for what frost compares rows with). */
export function tableCell(text: string): string {
  return text.replace(/\\(?=x)|[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** The text of a table cell, or undefined when virsh lost some of it (a byte it wrote as `\x80` to `\xff`). */
function fromCell(cell: string): string | undefined {
  let lost = false;
  const text = cell.replace(/\\x([0-9a-f]{2})/g, (_, hex: string) => {
    const code = parseInt(hex, 16);
    if (code >= 0x80) lost = true;
    return String.fromCharCode(code);
  });
  return lost ? undefined : text;
}
