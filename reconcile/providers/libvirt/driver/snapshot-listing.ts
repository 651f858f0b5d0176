/**
 * A domain's snapshot names, read exactly. libvirt 9 accepts nearly anything in a snapshot name
 * (measured on the lab: quotes, spaces, tabs, `\`, `;`, `$`, non-ASCII letters, a leading `-` or
 * space, trailing spaces, names of spaces only, and line breaks; not `/`, not a leading `.`, and no
 * carriage return, which its XML parser turns into a line break). `snapshot-list --name` prints
 * each name as it is and a line break after it, so a name holding line breaks reads as several
 * lines. The table `snapshot-list` prints without `--name` lists the same snapshots in the same
 * order (with the same `--topological`), one row each whatever their names: virsh writes a control
 * character in a table cell as `\xNN`, and a `\` before an `x` as `\x5c`. So the table says how
 * many line breaks each name holds, and the `--name` listing what each name is.
 */

/** The two `snapshot-list` commands (virsh -q) whose outputs `snapshotNames` reads. */
export function snapshotListCommands(domain: string): [string[], string[]] {
  // Parents before children: the order kept among snapshots of the same second.
  return [
    ["snapshot-list", "--domain", domain, "--name", "--topological"],
    ["snapshot-list", "--domain", domain, "--topological"],
  ];
}

/**
 * The names of `snapshot-list --name --topological` (`listing`), split with the help of the rows
 * of `snapshot-list --topological` (`table`); undefined when the two disagree (a snapshot taken or
 * deleted between them).
 */
export function snapshotNames(listing: string, table: string): string[] | undefined {
  const lines = listedLines(listing);
  const rows = table === "" ? [] : table.replace(/\n$/, "").split("\n");
  if (lines === undefined) return undefined;
  const names: string[] = [];
  let at = 0;
  for (const row of rows) {
    const count = 1 + lineBreaksIn(row);
    if (at + count > lines.length) return undefined;
    names.push(lines.slice(at, at + count).join("\n"));
    at += count;
  }
  return at === lines.length ? names : undefined;
}

/** The lines of a `--name` listing (each name and a line break): what they are when the table cannot split them. */
export function listedLines(listing: string): string[] | undefined {
  if (listing === "") return [];
  if (!listing.endsWith("\n")) return undefined;
  return listing.slice(0, -1).split("\n");
}

/**
 * How many `\x0a` a table row holds. Every `\x` in a row begins an escape (a `\` before an `x` is
 * itself escaped), so counting them is reading the escapes.
 */
function lineBreaksIn(row: string): number {
  return row.split("\\x0a").length - 1;
}
