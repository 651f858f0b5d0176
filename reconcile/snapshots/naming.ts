/**
 * Snapshot names. A scheduled snapshot is named after its schedule and the cron tick it stands for,
 * in UTC, so that taking it twice is impossible (libvirt refuses a second snapshot of one name):
 * `nightly-20261125T0200Z`. An on-demand snapshot is `ondemand-<time to the second>Z`. No colons:
 * the name ends up in overlay file names, where QEMU could read `a:b` as a protocol.
 *
 * A name already taken on the domain (a snapshot someone else gave that name, or a second
 * on-demand snapshot within one second) gets a counter: `ondemand-20261125T100000Z-2`, `-3`, …
 * The name is only a name: what a snapshot stands for (schedule, tick) is read from frost's record
 * in its description, so a counted name is due-ness's and retention's like any other.
 */

/**
 * frost's shape: a configuration name (a schedule's, or `ondemand`: letters, digits, `_ . + -`,
 * starting with a letter, digit or `_`), `-`, a UTC stamp to the minute or to the second, and an
 * optional counter. Only such names are read in detail when a domain is observed.
 */
const FROST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*-\d{8}T\d{4}(?:\d{2})?Z(?:-[1-9]\d*)?$/;

/** `20261125T0200Z` (minutes) or `20261125T020005Z` (seconds). */
export function compactUtc(at: Date, seconds: boolean): string {
  const iso = at.toISOString(); // 2026-11-25T02:00:05.000Z
  const date = iso.slice(0, 10).replaceAll("-", "");
  const time = iso.slice(11, seconds ? 19 : 16).replaceAll(":", "");
  return `${date}T${time}Z`;
}

/** The name of the snapshot that schedule `schedule` takes for the tick at `scheduledAt` (before `freeSnapshotName`). */
export function scheduledSnapshotName(schedule: string, scheduledAt: Date): string {
  return `${schedule}-${compactUtc(scheduledAt, false)}`;
}

/**
 * The name of an on-demand snapshot taken at `at` (of schedule `schedule`, with `--schedule`) that
 * none of `inUse` has: `ondemand-20261125T100000Z`, else the first free `…-2`, `…-3`, …
 */
export function onDemandSnapshotName(at: Date, inUse: Iterable<string> = [], schedule = "ondemand"): string {
  return freeSnapshotName(`${schedule}-${compactUtc(at, true)}`, inUse);
}

/**
 * `wanted` when no snapshot in `inUse` has that name, else `wanted-N` for the smallest N from 2
 * that is free. Pure; the result has frost's shape when `wanted` is a name frost gives (a
 * scheduled or on-demand name, without a counter yet).
 */
export function freeSnapshotName(wanted: string, inUse: Iterable<string>): string {
  const taken = new Set(inUse);
  if (!taken.has(wanted)) return wanted;
  let n = 2;
  while (taken.has(`${wanted}-${n}`)) n++;
  return `${wanted}-${n}`;
}

/** True when `name` has the shape of a name frost gives (its record still decides ownership). */
export function looksLikeFrostName(name: string): boolean {
  return FROST_NAME.test(name);
}

/** Every snapshot name a domain has: frost's and the others'. */
export function namesInUse(domain: { snapshots: readonly { name: string }[]; foreignSnapshots: readonly string[] }): string[] {
  return [...domain.snapshots.map((s) => s.name), ...domain.foreignSnapshots];
}
