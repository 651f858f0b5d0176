/**
 * Interpretation of single values: sizes, Glance boolean forms, paths, AppArmor rules (libvirt URIs
 * have a module of their own, `libvirt-uri.ts`). Each function returns either the value or a problem
 * ({ summary, detail }) for the caller to report at the value's position; none of them reports by
 * itself.
 */

import { showName } from "./names.js";

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

/**
 * The first control character in `text` (C0, DEL, C1, and the Unicode line and paragraph
 * separators) as `U+000A`, or undefined. Such a character would split a line of a file frost writes,
 * corrupt libvirt's XML, or rewrite a terminal's output when a message shows the value.
 */
export function controlCharacter(text: string): string | undefined {
  const c = [...text].find((ch) => /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(ch));
  return c === undefined ? undefined : `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** An absolute path on the host, on one line: `/` first, no control characters. */
export function checkAbsolutePath(path: string): Problem | undefined {
  const control = controlCharacter(path);
  if (control !== undefined) {
    return {
      problem: {
        summary: `path ${showName(path)} contains the control character ${control}`,
        detail: "write the path on one line, without control characters",
      },
    };
  }
  if (path.startsWith("/")) return undefined;
  return {
    problem: {
      summary: `"${path}" is not an absolute path`,
      detail: "write an absolute path, e.g. /etc/apparmor.d/abstractions/libvirt-qemu",
    },
  };
}

/** Where AppArmor policy lives: the only directory frost writes rules into. */
const APPARMOR_POLICY_DIR = "/etc/apparmor.d/";

/**
 * The AppArmor file frost writes its rule block into, as root: an absolute path under
 * /etc/apparmor.d, written plainly (no `.` or `..` components). Anywhere else the block would land
 * in a file that is not AppArmor policy (a shell profile, a crontab), where a rule line such as
 * `/tmp/x rix,` would read as a command to run.
 */
export function checkAppArmorAbstraction(path: string): Problem | undefined {
  const absolute = checkAbsolutePath(path);
  if (absolute !== undefined) return absolute;
  const plain = !path.split("/").some((part, i) => (part === "" && i > 0) || part === "." || part === "..");
  if (plain && path.startsWith(APPARMOR_POLICY_DIR) && path.length > APPARMOR_POLICY_DIR.length) return undefined;
  return {
    problem: {
      summary: plain ? `"${path}" is not in ${APPARMOR_POLICY_DIR}` : `"${path}" has an empty, "." or ".." component`,
      detail: `frost writes AppArmor rules only into AppArmor's own files: write a path under ${APPARMOR_POLICY_DIR}, plainly, e.g. /etc/apparmor.d/abstractions/libvirt-qemu`,
    },
  };
}

const RULE_EXAMPLE = 'e.g. "/var/lib/libvirt/qemu/*.sock rw,"';

/**
 * One AppArmor rule line, as it will be written into the abstraction: one line, ending in a comma,
 * and a rule rather than a comment or an include (which would have apparmor_parser, run on the
 * rules at plan time, read another file).
 */
export function checkAppArmorRule(rule: string): Problem | undefined {
  if (/[\n\r\v\f\u0085\u2028\u2029]/.test(rule)) {
    return {
      problem: {
        summary: "an AppArmor rule must be a single line",
        detail: `write one rule per list item, ${RULE_EXAMPLE}`,
      },
    };
  }
  const control = controlCharacter(rule.replaceAll("\t", " "));
  if (control !== undefined) {
    return {
      problem: {
        summary: `AppArmor rule ${showName(rule)} contains the control character ${control}`,
        detail: `write the rule without control characters, ${RULE_EXAMPLE}`,
      },
    };
  }
  const text = rule.trim();
  const include = /(?:^|[\s,#])include(?:\s|<|"|$)/.test(text);
  if (include || text.includes("#")) {
    return {
      problem: {
        summary: `AppArmor rule "${rule}" ${include ? "has an include directive" : "has a comment ('#')"}`,
        detail: `frost writes rules only, one per item (an include would have apparmor_parser read another file); ${RULE_EXAMPLE}`,
      },
    };
  }
  if (text === "" || !text.endsWith(",")) {
    return {
      problem: {
        summary: `AppArmor rule "${rule}" does not end with a comma`,
        detail: `AppArmor rules end with ",", ${RULE_EXAMPLE}`,
      },
    };
  }
  if (ruleEnds(text) > 1) {
    return {
      problem: {
        summary: `AppArmor rule "${rule}" holds more than one rule`,
        detail: `write one rule per list item (YAML folds a plain or > scalar written over several lines into one line), ${RULE_EXAMPLE}`,
      },
    };
  }
  return undefined;
}

/**
 * How many rules a line holds: the commas that end a rule, not those inside quotes, `{a,b}`
 * alternations or `(send, receive)` lists.
 */
function ruleEnds(line: string): number {
  let bare = line.replace(/"[^"]*"/g, "");
  for (let before = ""; before !== bare;) {
    before = bare;
    bare = bare.replace(/\{[^{}]*\}|\([^()]*\)/g, "");
  }
  return bare.split(",").length - 1;
}
