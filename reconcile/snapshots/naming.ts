/**
 * Snapshot names. A scheduled snapshot is named after its schedule and the cron tick it stands for,
 * in UTC, so that taking it twice is impossible (libvirt refuses a second snapshot of one name):
 * `nightly-20261125T0200Z`. An on-demand snapshot is `ondemand-<time to the second>Z`. No colons:
 * the name ends up in overlay file names, where QEMU could read `a:b` as a protocol.
 */

const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?Z$/;

/** `20261125T0200Z` (minutes) or `20261125T020005Z` (seconds). */
export function compactUtc(at: Date, seconds: boolean): string {
  const iso = at.toISOString(); // 2026-11-25T02:00:05.000Z
  const date = iso.slice(0, 10).replaceAll("-", "");
  const time = iso.slice(11, seconds ? 19 : 16).replaceAll(":", "");
  return `${date}T${time}Z`;
}

/** The name of the snapshot that schedule `schedule` takes for the tick at `scheduledAt`. */
export function scheduledSnapshotName(schedule: string, scheduledAt: Date): string {
  return `${schedule}-${compactUtc(scheduledAt, false)}`;
}

/** The name of an on-demand snapshot taken at `at`. */
export function onDemandSnapshotName(at: Date): string {
  return `ondemand-${compactUtc(at, true)}`;
}

/** True when `name` has the shape of a name frost gives (its record still decides ownership). */
export function looksLikeFrostName(name: string): boolean {
  const dash = name.lastIndexOf("-");
  return dash > 0 && STAMP.test(name.slice(dash + 1));
}
