import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { snapshotNames } from "../../../reconcile/providers/libvirt/driver/snapshot-listing.js";

// What virsh 9 printed on the lab for snapshots of awkward names (see the README there).
const FIXTURES = new URL("../../fixtures/virsh-names/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), "utf8");

const SNAPSHOTS = [
  "nightly-20261125T0200Z",
  "bob's-20261124T0200Z",
  "a b Zoë",
  'say "hi"',
  "trail ",
  "-lead",
  "a\\x0ab",
  "x\nnightly-20261124T0200Z",
];

describe("reading a domain's snapshot names", () => {
  for (const locale of ["C", "C.UTF-8"]) {
    it(`reads every name exactly, line breaks, quotes and spaces included (virsh in ${locale})`, () => {
      const listing = fixture(`snapshot-list-names.${locale}.txt`);
      expect(listing.split("\n").length - 1).toBe(SNAPSHOTS.length + 1); // one name spans two lines
      expect(snapshotNames(listing, fixture(`snapshot-list-table.${locale}.txt`))).toEqual(SNAPSHOTS);
    });
  }

  it("reads no snapshots as none", () => {
    expect(snapshotNames("", "")).toEqual([]);
  });

  it("gives up, rather than guess, when the two listings disagree", () => {
    const listing = fixture("snapshot-list-names.C.txt");
    const rows = fixture("snapshot-list-table.C.txt").split("\n");
    // A snapshot taken between the two listings, or one deleted.
    expect(snapshotNames(listing, [...rows.slice(0, -1), " new   2026-12-02 06:40:00 +0000   shutoff", ""].join("\n"))).toBeUndefined();
    expect(snapshotNames(listing, rows.slice(1).join("\n"))).toBeUndefined();
    expect(snapshotNames("a\nb", " a\n b\n")).toBeUndefined(); // not a listing virsh prints
  });
});
