import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { LastGoodConfig } from "../../../reconcile/watch/last-good-config.js";
import { recordChanges, tempDir } from "./watch-helpers.js";

const GOOD = "host:\n  uri: qemu:///system\n";
const FIXED = "host:\n  uri: qemu+ssh://kvm1/system\n";
const INVALID = "host:\n  uri: qemu:///system\nimagez: {}\n";

describe("the last good configuration", { timeout: 15_000 }, () => {
  // The watch scenario end to end: a good config, an invalid edit (kept out, its errors reported with
  // file:line:col), then a fixed edit that is picked up. Each reload follows an onChange.
  test("an invalid edit keeps the last good config and reports the new errors; a fix is picked up", async () => {
    const dir = await tempDir({ "frost.yaml": GOOD });
    const file = join(dir, "frost.yaml");
    const config = new LastGoodConfig(file);
    const w = await recordChanges(file);

    const first = await config.reload();
    expect(first.usedLastGood).toBe(false);
    expect(first.desired?.hosts.default?.uri).toBe("qemu:///system");

    await writeFile(file, INVALID);
    await w.nth(1);
    const broken = await config.reload();
    expect(broken.usedLastGood).toBe(true);
    expect(broken.desired).toBe(first.desired);
    expect(broken.diagnostics).toEqual([
      expect.objectContaining({ severity: "error", code: "config.unknown-key", pos: { file, line: 3, col: 1 } }),
    ]);

    await writeFile(file, FIXED);
    await w.nth(2);
    const fixed = await config.reload();
    expect(fixed).toMatchObject({ usedLastGood: false, diagnostics: [] });
    expect(fixed.desired?.hosts.default?.uri).toBe("qemu+ssh://kvm1/system");
    expect(config.current).toBe(fixed.desired);
  });

  // With no good load yet there is nothing to fall back on: desired is undefined, not a stale guess.
  test("a first load with errors has no desired state", async () => {
    const dir = await tempDir({ "frost.yaml": INVALID });
    const result = await new LastGoodConfig(join(dir, "frost.yaml")).reload();
    expect(result.desired).toBeUndefined();
    expect(result.usedLastGood).toBe(false);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["config.unknown-key"]);
  });

  // A deleted configuration is an error like any other: the last good one stays in force.
  test("a deleted configuration keeps the last good one", async () => {
    const dir = await tempDir({ "a.yaml": GOOD });
    const config = new LastGoodConfig(dir);
    const good = await config.reload();
    await rm(join(dir, "a.yaml"));
    const gone = await config.reload();
    expect(gone).toMatchObject({ usedLastGood: true, desired: good.desired });
    expect(gone.diagnostics.map((d) => d.code)).toEqual(["config.no-files"]);
  });
});
