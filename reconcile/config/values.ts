/**
 * Interpretation of single values: sizes, Glance boolean forms, libvirt URIs, AppArmor rules. Each
 * function returns either the value or a problem ({ summary, detail }) for the caller to report at the
 * value's position; none of them reports by itself.
 */

/** A value that could not be read: `summary` says what is wrong, `detail` what would be valid. */
export interface Problem {
  problem: { summary: string; detail: string };
}

export type Parsed<T> = { value: T } | Problem;

export function isProblem<T>(p: Parsed<T>): p is Problem {
  return "problem" in p;
}

const BINARY_UNITS: Record<string, number> = {
  b: 1,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
};

const SIZE_HELP = "write a whole number with a binary unit: B, KiB, MiB, GiB or TiB, e.g. 512MiB or 2GiB";

/**
 * Reads a size with a binary unit (`512MiB`, `2GiB`, `1048576KiB`, `4096B`) as bytes. Decimal or
 * abbreviated units (`512MB`, `2G`) are refused with the binary form suggested, because libvirt,
 * QEMU and users disagree on what `M` means; a bare number is refused because libvirt's XML would
 * read it as KiB while a user may mean bytes or MiB.
 */
export function parseSize(value: string | number | boolean | null, source: string): Parsed<number> {
  if (typeof value === "number") {
    return {
      problem: {
        summary: `size ${source} has no unit`,
        detail: `add a binary unit, e.g. ${source}MiB or ${source}KiB (a bare number is ambiguous: libvirt counts KiB, people often mean MiB)`,
      },
    };
  }
  const text = String(value).trim();
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(text);
  if (m === null) return { problem: { summary: `"${text}" is not a size`, detail: SIZE_HELP } };
  const [, num = "", unit = ""] = m;
  const factor = BINARY_UNITS[unit.toLowerCase()];
  if (factor === undefined) {
    const decimal = /^([kmgtp])b?$/i.exec(unit);
    if (unit === "") {
      return { problem: { summary: `size "${text}" has no unit`, detail: `add a binary unit, e.g. ${num}MiB; ${SIZE_HELP}` } };
    }
    if (decimal !== null) {
      const suggestion = `${num}${(decimal[1] ?? "").toUpperCase()}iB`;
      return {
        problem: {
          summary: `size "${text}" uses a decimal or abbreviated unit`,
          detail: `did you mean ${suggestion}? frost takes binary units only (B, KiB, MiB, GiB, TiB), so that a size means the same to frost, libvirt and you`,
        },
      };
    }
    return { problem: { summary: `"${unit}" in "${text}" is not a size unit`, detail: SIZE_HELP } };
  }
  const bytes = Number(num) * factor;
  if (!Number.isSafeInteger(bytes)) {
    return { problem: { summary: `size "${text}" is not a whole number of bytes or is too large`, detail: SIZE_HELP } };
  }
  if (bytes <= 0) return { problem: { summary: `size "${text}" must be greater than zero`, detail: SIZE_HELP } };
  return { value: bytes };
}

const GLANCE_TRUE = ["yes", "true", "on", "1"];
const GLANCE_FALSE = ["no", "false", "off", "0"];

/** Reads a Glance/Nova boolean property (`yes`/`no`, `true`/`false`, `on`/`off`, `1`/`0`, any case). */
export function parseGlanceBoolean(text: string): Parsed<boolean> {
  const t = text.trim().toLowerCase();
  if (GLANCE_TRUE.includes(t)) return { value: true };
  if (GLANCE_FALSE.includes(t)) return { value: false };
  return {
    problem: {
      summary: `"${text}" is not a boolean`,
      detail: "write yes or no (Glance also accepts true/false, on/off, 1/0)",
    },
  };
}

/** A libvirt connection URI: `scheme:///path` (local) or `scheme://[user@]host[:port]/path`. */
export function checkLibvirtUri(uri: string): Problem | undefined {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/\s]*\/\S*$/.test(uri)) return undefined;
  return {
    problem: {
      summary: `"${uri}" is not a libvirt URI`,
      detail: "write a libvirt connection URI such as qemu:///system (this host) or qemu+ssh://user@host/system (a remote host)",
    },
  };
}

export function checkAbsolutePath(path: string): Problem | undefined {
  if (path.startsWith("/") && !/[\n\r\0]/.test(path)) return undefined;
  return {
    problem: {
      summary: `"${path}" is not an absolute path`,
      detail: "write an absolute path, e.g. /etc/apparmor.d/abstractions/libvirt-qemu",
    },
  };
}

/** One AppArmor rule line, as it will be written into the abstraction: one line, ending in a comma. */
export function checkAppArmorRule(rule: string): Problem | undefined {
  if (/[\n\r\0]/.test(rule)) {
    return {
      problem: {
        summary: "an AppArmor rule must be a single line",
        detail: 'write one rule per list item, e.g. "/var/lib/libvirt/qemu/*.sock rw,"',
      },
    };
  }
  if (rule.trim() === "" || !rule.trimEnd().endsWith(",")) {
    return {
      problem: {
        summary: `AppArmor rule "${rule}" does not end with a comma`,
        detail: 'AppArmor rules end with ",", e.g. "/var/lib/libvirt/qemu/*.sock rw,"',
      },
    };
  }
  return undefined;
}
