import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../../reconcile/config/load.js";
import { codes, configDir, expectDiag, loadYaml } from "./helpers.js";

describe("finding the configuration", () => {
  // A missing path is one diagnostic that says what to do.
  test("missing path", async () => {
    const result = await loadConfig(join(tmpdir(), "frost-no-such-dir", "frost.yaml"));
    expect(result.desired).toBeUndefined();
    expect(codes(result)).toEqual(["config.not-found"]);
    expect(result.diagnostics[0]?.detail).toContain("create frost.yaml");
    expect(result.diagnostics[0]?.detail).toContain("-c");
  });

  // A directory without *.yaml / *.yml files is an error, not an empty configuration.
  test("directory without YAML files", async () => {
    const dir = await configDir({ "notes.txt": "hello" });
    const result = await loadConfig(dir);
    expect(codes(result)).toEqual(["config.no-files"]);
    expect(result.diagnostics[0]?.summary).toContain(dir);
  });

  // Positions name the file as the user gave its directory: a relative path stays relative.
  test("relative paths stay relative in positions", async () => {
    const rel = relative(process.cwd(), await configDir({ "frost.yaml": "host: {}\nimagez: {}\n" }));
    const result = await loadConfig(rel);
    expect(result.diagnostics[0]?.pos).toEqual({ file: join(rel, "frost.yaml"), line: 2, col: 1 });
  });
});

describe("reading YAML", () => {
  // A syntax error is reported with yaml's own position, and nothing else from that file.
  test("YAML syntax error with position", async () => {
    const result = await loadYaml("host: {}\ninstances:\n  vm: { image: img\nschedules: {}\n");
    expect(result.desired).toBeUndefined();
    expect(new Set(codes(result))).toEqual(new Set(["config.yaml-syntax"]));
    const d = result.diagnostics[0]!;
    expect(d.pos?.file).toMatch(/frost\.yaml$/);
    expect(d.pos?.line).toBe(4);
    expect(d.summary).toContain("YAML syntax error");
  });

  // A tab used for indentation is a syntax error at the tab.
  test("tab indentation", async () => {
    const result = await loadYaml("host:\n\turi: qemu:///system\n");
    expect(codes(result)).toContain("config.yaml-syntax");
    expect(result.diagnostics[0]?.pos?.line).toBe(2);
  });

  // A repeated key is reported at the second occurrence; the rest of the file is still checked.
  test("duplicate key", async () => {
    const result = await loadYaml("host: {}\ninstances:\n  vm:\n    adopt: true\n    adopt: false\n    vcpu: 1\n");
    expectDiag(result, "config.duplicate-key", 5, 5, "adopt");
    expectDiag(result, "config.unknown-key", 6, 5, 'did you mean "vcpus"');
    expect(result.diagnostics).toHaveLength(2);
  });

  // A file with nothing in it (or only comments) is an error that says what a file holds.
  test("empty file", async () => {
    const result = await loadYaml("# nothing yet\n");
    expectDiag(result, "config.empty", 1, 1, "is empty", "host:");
    expect(result.diagnostics).toHaveLength(1);
  });

  // The top level must be a mapping.
  test("top level is a list", async () => {
    const result = await loadYaml("- host\n- images\n");
    expectDiag(result, "config.type", 1, 1, "top level must be a mapping", "not a list");
    expect(result.diagnostics).toHaveLength(1);
  });

  // Two YAML documents in one file are refused, with a hint to split them into files.
  test("several documents in one file", async () => {
    const result = await loadYaml("host: {}\n---\nimages: {}\n");
    const d = expectDiag(result, "config.yaml-syntax", 2, 1);
    expect(d.detail).toContain("separate *.yaml files");
  });

  // A file that cannot be parsed does not make the others report its names as undefined,
  // nor the configuration as hostless.
  test("a broken file does not cause follow-on reference errors", async () => {
    const dir = await configDir({ "a.yaml": "host: {\n", "b.yaml": "instances:\n  vm: { image: img }\n" });
    const result = await loadConfig(dir);
    expect(new Set(codes(result))).toEqual(new Set(["config.yaml-syntax"]));
  });
});

describe("directory contents", () => {
  // Hidden files such as editor lock files are not read; sub-directories are not descended into.
  test("hidden files and sub-directories are skipped", async () => {
    const dir = await configDir({ "frost.yaml": "host: {}\n", ".#frost.yaml": "broken: [" });
    await mkdir(join(dir, "more.yaml"));
    await writeFile(join(dir, "more.yaml", "x.yaml"), "broken: [");
    const result = await loadConfig(dir);
    expect(result.diagnostics).toEqual([]);
    expect(result.desired?.files).toEqual([join(dir, "frost.yaml")]);
  });
});
