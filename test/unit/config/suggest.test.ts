import { describe, expect, test } from "vitest";
import { editDistance, suggestKey } from "../../../reconcile/config/suggest.js";

describe("did-you-mean", () => {
  // Transpositions and small typos are within distance 2.
  test("close keys are suggested", () => {
    expect(suggestKey("memroy", ["memory", "vcpus"])).toBe("memory");
    expect(suggestKey("fsfreeze_hooks", ["fsfreezeHooks", "image"])).toBe("fsfreezeHooks");
  });

  // A prefix of a valid key is suggested even when far in edit distance.
  test("prefixes are suggested", () => {
    expect(suggestKey("sched", ["host", "schedules"])).toBe("schedules");
  });

  // Nothing close, nothing suggested.
  test("no suggestion for unrelated keys", () => {
    expect(suggestKey("flavour", ["uri", "pool", "apparmor"])).toBeUndefined();
  });

  test("edit distance", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
});
