import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../reconcile/config/load.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");

// The shipped examples are configurations users copy: they must load without a single diagnostic.
describe("the examples", () => {
  it.each(["examples/quickstart/frost.yaml", "examples/gitops/frost"])("%s is valid", async (path) => {
    const { desired, diagnostics } = await loadConfig(join(ROOT, path));
    expect(diagnostics).toEqual([]);
    expect(desired).toBeDefined();
  });
});
