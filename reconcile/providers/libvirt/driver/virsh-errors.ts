/**
 * What virsh printed on stderr as a list of messages: non-blank lines without their `error: `
 * prefix, in order (libvirt's most specific part comes last).
 */
export function virshErrorLines(stderr: string): string[] {
  return stderr
    .split("\n")
    .map((l) => l.replace(/^error: /, "").trim())
    .filter((l) => l.length > 0);
}

/** virsh's error messages as one sentence, or `fallback` when it printed none. */
export function virshErrorText(stderr: string, fallback: string): string {
  const lines = virshErrorLines(stderr);
  return lines.length > 0 ? lines.join(": ") : fallback;
}

/** True when virsh reported an error (a line starting `error: `), whatever its exit status. */
export function virshReportedError(stderr: string): boolean {
  return /^error: /m.test(stderr);
}
