import { readFileSync } from "node:fs";
import { mkdir, open, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { watchConfig } from "../../../reconcile/watch/config-watcher.js";
import { recordChanges, sleep, tempDir, waitFor } from "./watch-helpers.js";

const SLOW = { timeout: 15_000 };

describe("watching one configuration file", SLOW, () => {
  // A plain write is one onChange naming the file.
  test("a write to the file triggers one onChange", async () => {
    const dir = await tempDir({ "frost.yaml": "host: {}\n" });
    const w = await recordChanges(join(dir, "frost.yaml"));
    expect(w.watcher.mode).toBe("file");
    await writeFile(join(dir, "frost.yaml"), "host: {}\nimages: {}\n");
    expect((await w.nth(1)).reason).toBe("frost.yaml changed");
    await w.settle();
    expect(w.changes).toHaveLength(1);
  });

  // A file written in two parts, with a pause shorter than the stability time, is reported once,
  // and only when complete: the content read in onChange is the whole file.
  test("a half-written file triggers once, after it is complete", async () => {
    const dir = await tempDir({ "frost.yaml": "host: {}\n" });
    const file = join(dir, "frost.yaml");
    const seen: string[] = [];
    const watcher = await watchConfig(file, { stabilityMs: 250, onChange: () => seen.push(readFileSync(file, "utf8")) });
    onTestFinished(() => watcher.close());
    const fh = await open(file, "w");
    await fh.write("host: {}\n");
    await sleep(40);
    await fh.write("images: {}\n");
    await fh.close();
    await waitFor("the change", () => seen.length > 0);
    await sleep(600);
    expect(seen).toEqual(["host: {}\nimages: {}\n"]);
  });

  // Editors write a temporary file and rename it over the original; that is a change, and the
  // temporary file itself is not reported.
  test("rename-over triggers", async () => {
    const dir = await tempDir({ "frost.yaml": "host: {}\n" });
    const w = await recordChanges(join(dir, "frost.yaml"));
    await writeFile(join(dir, "frost.yaml.tmp-1234"), "host: {}\nimages: {}\n");
    await rename(join(dir, "frost.yaml.tmp-1234"), join(dir, "frost.yaml"));
    expect((await w.nth(1)).reason).toBe("frost.yaml changed");
    await w.settle();
    expect(w.changes).toHaveLength(1);
  });

  // Deleting the file is reported; the caller's reload then finds it missing and keeps the last good config.
  test("deleting the file triggers", async () => {
    const dir = await tempDir({ "frost.yaml": "host: {}\n" });
    const w = await recordChanges(join(dir, "frost.yaml"));
    await rm(join(dir, "frost.yaml"));
    expect((await w.nth(1)).reason).toBe("frost.yaml removed");
  });

  // Delete then recreate at once (as some editors save) is one change, and the watch goes on afterwards.
  test("delete-then-recreate is one change, and later writes are still seen", async () => {
    const dir = await tempDir({ "frost.yaml": "host: {}\n" });
    const w = await recordChanges(join(dir, "frost.yaml"));
    await rm(join(dir, "frost.yaml"));
    await writeFile(join(dir, "frost.yaml"), "host: {}\nimages: {}\n");
    expect((await w.nth(1)).reason).toBe("frost.yaml changed");
    await w.settle();
    await writeFile(join(dir, "frost.yaml"), "host: {}\n");
    expect((await w.nth(2)).reason).toBe("frost.yaml changed");
    expect(w.changes).toHaveLength(2);
  });

  // Other files next to the configuration file are not the configuration.
  test("other files in the same directory are ignored", async () => {
    const dir = await tempDir({ "frost.yaml": "host: {}\n", "other.yaml": "x: 1\n" });
    const w = await recordChanges(join(dir, "frost.yaml"));
    await writeFile(join(dir, "other.yaml"), "x: 2\n");
    await writeFile(join(dir, "notes.txt"), "hello\n");
    await w.settle();
    expect(w.changes).toEqual([]);
  });
});

describe("watching a directory of *.yaml files", SLOW, () => {
  // A new *.yaml / *.yml file and a removed one are each reported by name.
  test("adding and removing *.yaml files triggers", async () => {
    const dir = await tempDir({ "a.yaml": "host: {}\n" });
    const w = await recordChanges(dir);
    expect(w.watcher.mode).toBe("directory");
    await writeFile(join(dir, "b.yml"), "images: {}\n");
    expect((await w.nth(1)).reason).toBe("b.yml added");
    await w.settle();
    await rm(join(dir, "a.yaml"));
    expect((await w.nth(2)).reason).toBe("a.yaml removed");
  });

  // Notes, editor lock files (Emacs's .#name is a dangling symlink), hidden and nested files are not configuration.
  test("notes.txt, .#frost.yaml, hidden and nested files do not trigger", async () => {
    const dir = await tempDir({ "frost.yaml": "host: {}\n" });
    const w = await recordChanges(dir);
    await writeFile(join(dir, "notes.txt"), "hello\n");
    await symlink("user@host.4242:1700000000", join(dir, ".#frost.yaml"));
    await writeFile(join(dir, ".hidden.yaml"), "x: 1\n");
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "sub", "nested.yaml"), "x: 1\n");
    await w.settle();
    expect(w.changes).toEqual([]);
  });
});

describe("closing", SLOW, () => {
  // After close() resolves, no onChange comes, even for a write made just before.
  test("no onChange after close", async () => {
    const dir = await tempDir({ "frost.yaml": "host: {}\n" });
    const seen: string[] = [];
    const watcher = await watchConfig(dir, { onChange: (r) => seen.push(r) });
    await writeFile(join(dir, "frost.yaml"), "host: {}\nimages: {}\n");
    await watcher.close();
    await sleep(300);
    expect(seen).toEqual([]);
  });
});
