import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { currentProcess } from "../../../reconcile/process/identity.js";
import { FreezeJournal, writerState, type FreezeJournalEntry } from "../../../reconcile/snapshots/freeze-journal.js";

let state: string;
let journal: FreezeJournal;
beforeEach(async () => {
  state = await mkdtemp(join(tmpdir(), "frost-journal-"));
  journal = new FreezeJournal(state);
});

const host = { uri: "qemu:///system", hostUuid: "11111111-2222-3333-4444-555555555555" };
const record = (domain = "db1", holdMs = 60_000) => journal.record({ ...host, domain, snapshot: "nightly-20261125T0200Z", holdMs });

describe("the freeze journal", () => {
  it("keeps an entry alive while this process's freeze session runs, and says it is over once the session ended", async () => {
    const r = await record();
    expect(journal.writerState(r.entry)).toEqual({ state: "alive" });
    await journal.end(r, false); // the thaw failed: the entry stays for the next pass
    expect((await journal.list(host)).map((x) => x.entry.domain)).toEqual(["db1"]);
    expect(journal.writerState(r.entry)).toEqual({ state: "gone", why: "this run's freeze session has ended" });
  });

  it("removes the entry when the session ends thawed", async () => {
    const r = await record();
    await journal.end(r, true);
    expect(await journal.list(host)).toEqual([]);
  });

  it("finds an entry by the host's UUID whatever URI reached it, and by URI where no UUID is known", async () => {
    await record();
    expect(await journal.list({ uri: "qemu+unix:///system", hostUuid: host.hostUuid })).toHaveLength(1);
    expect(await journal.list({ uri: "qemu:///system" })).toHaveLength(1);
    expect(await journal.list({ uri: "qemu+ssh://other/system", hostUuid: "99999999-2222-3333-4444-555555555555" })).toEqual([]);
  });

  it("never forgets an entry that another freeze replaced meanwhile", async () => {
    const first = await record();
    await journal.end(first, false);
    const second = await record(); // a new freeze of the same guest: the same file, another session
    expect(await journal.forget(first)).toBe(false);
    expect((await journal.list(host)).map((x) => x.entry.session)).toEqual([second.entry.session]);
  });

  it("names its files by a digest, so that any domain name is a safe file name", async () => {
    await record("../../etc/x y");
    expect((await readdir(join(state, "freeze-journal"))).every((n) => /^[0-9a-f]{24}\.json$/.test(n))).toBe(true);
  });

  it("reads an older frost's entry (no session, no thaw deadline), and skips a torn one", async () => {
    const dir = join(state, "freeze-journal");
    await mkdir(dir);
    const old = {
      uri: host.uri,
      domain: "web",
      pid: 4_000_000,
      hostname: "elsewhere",
      startedAt: "2026-11-25T02:00:01.000Z",
      snapshot: "s",
    };
    await writeFile(join(dir, "oldstyle-web.json"), JSON.stringify(old));
    await writeFile(join(dir, "torn.json"), '{"uri": "qemu:///sys');
    expect((await journal.list(host)).map((x) => x.entry)).toEqual([old]);
  });
});

describe("whether the run that wrote an entry may still hold its guest frozen", () => {
  const self = currentProcess();
  const entry = (over: Partial<FreezeJournalEntry>): FreezeJournalEntry => ({
    uri: host.uri,
    domain: "db1",
    snapshot: "s",
    startedAt: "2026-11-25T02:00:00.000Z",
    thawBy: "2026-11-25T02:02:00.000Z",
    pid: 4_000_000,
    hostname: "elsewhere.example",
    bootId: "b",
    ...over,
  });
  const during = Date.parse("2026-11-25T02:01:00Z");
  const after = Date.parse("2026-11-25T02:02:01Z");

  it("counts an entry of another machine as alive until its thaw deadline, and gone after: never alive forever", () => {
    expect(writerState(entry({}), during, self).state).toBe("unknown");
    expect(writerState(entry({}), after, self)).toEqual({ state: "gone", why: "its thaw deadline passed at 2026-11-25T02:02:00.000Z" });
  });

  it("gives an older entry (no thaw deadline) ten minutes from its start", () => {
    const old = entry({ thawBy: undefined });
    expect(writerState(old, Date.parse("2026-11-25T02:09:00Z"), self).state).toBe("unknown");
    expect(writerState(old, Date.parse("2026-11-25T02:10:01Z"), self).state).toBe("gone");
  });

  it("decides an entry of this machine by its pid, whatever the deadline says", () => {
    const mine = { hostname: self.hostname, bootId: self.bootId, machineId: self.machineId };
    expect(writerState(entry({ ...mine, pid: 4_000_000 }), during, self)).toEqual({ state: "gone", why: "pid 4000000 no longer runs" });
    expect(writerState(entry({ ...mine, pid: 1, startTime: undefined }), during, self)).toEqual({ state: "alive" });
  });

  it("takes an entry of this very process whose session is not running any more for a dead one (watch retries its thaw)", () => {
    expect(writerState(entry({ ...self, session: "ended" }), during, self)).toEqual({
      state: "gone",
      why: "this run's freeze session has ended",
    });
  });
});
