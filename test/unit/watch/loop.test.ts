import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { vi } from "vitest";
import { LoopScenario } from "./loop-helpers.js";

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("interval passes", () => {
  // The first pass runs at start; each later one follows the end of the previous by interval × (0.9 .. 1.1),
  // as the injected random number decides.
  test("passes follow each other at the interval, within the jitter bounds", async () => {
    const draws = [0, 0.5, 0.999999];
    const s = new LoopScenario({ random: () => draws.shift() ?? 0.5 }).script("ok", "ok", "ok", "ok");
    s.loop.start();
    await s.advance(54_000 + 60_000 + 66_000);
    const gaps = s.calls.slice(1).map((c, i) => c.startedAt - s.calls[i]!.startedAt);
    expect(s.calls.map((c) => c.reason)).toEqual(["startup", "interval", "interval", "interval"]);
    expect(gaps).toEqual([54_000, 60_000, 66_000]);
    expect(s.ends.map((e) => e.nextInMs)).toEqual([54_000, 60_000, 66_000, 60_000]);
    await s.loop.stop();
  });

  // Nothing is due a millisecond early.
  test("no pass before the jittered interval has passed", async () => {
    const s = new LoopScenario({ random: () => 0 }).script("ok", "ok");
    s.loop.start();
    await s.advance(53_999);
    expect(s.calls).toHaveLength(1);
    await s.advance(1);
    expect(s.calls).toHaveLength(2);
    await s.loop.stop();
  });

  // A trigger while idle runs at once, and the interval then counts from the end of that pass.
  test("a trigger while idle runs now and restarts the interval", async () => {
    const s = new LoopScenario().script("ok", "ok", "ok");
    s.loop.start();
    await s.advance(30_000);
    s.loop.trigger("frost.yaml changed");
    expect(s.last.reason).toBe("frost.yaml changed");
    await s.advance(59_999);
    expect(s.calls).toHaveLength(2);
    await s.advance(1);
    expect(s.last.reason).toBe("interval");
    await s.loop.stop();
  });
});

describe("triggers are single-flight", () => {
  // Three triggers while a pass runs make exactly one more pass, right after it, naming each reason once.
  test("triggers during a pass coalesce into exactly one extra pass", async () => {
    const s = new LoopScenario();
    s.loop.start();
    s.loop.trigger("a.yaml changed");
    s.loop.trigger("b.yaml added");
    s.loop.trigger("a.yaml changed");
    expect(s.calls).toHaveLength(1);

    s.calls[0]!.finish("ok");
    await s.advance(0);
    expect(s.calls.map((c) => c.reason)).toEqual(["startup", "a.yaml changed, b.yaml added"]);
    expect(s.ends[0]?.nextInMs).toBe(0);

    s.calls[1]!.finish("ok");
    await s.advance(59_999);
    expect(s.calls).toHaveLength(2);
    await s.loop.stop();
  });
});

describe("backoff after failed passes", () => {
  // Each failed pass doubles the wait before the next interval pass, up to the cap.
  test("backoff doubles on errors and is capped", async () => {
    const s = new LoopScenario({ intervalMs: 1_000, maxBackoffMs: 5_000 }).script("error", "error", "error", "error");
    s.loop.start();
    await s.advance(2_000 + 4_000 + 5_000);
    expect(s.calls.map((c) => c.startedAt)).toEqual([0, 2_000, 6_000, 11_000]);
    expect(s.ends.map((e) => e.nextInMs)).toEqual([2_000, 4_000, 5_000, 5_000]);
    expect(s.loop.consecutiveFailures).toBe(4);
    await s.loop.stop();
  });

  // One good pass brings the interval back to normal.
  test("a successful pass resets the backoff", async () => {
    const s = new LoopScenario({ intervalMs: 1_000 }).script("error", "error", "ok", "ok");
    s.loop.start();
    await s.advance(2_000 + 4_000 + 1_000);
    expect(s.calls.map((c) => c.startedAt)).toEqual([0, 2_000, 6_000, 7_000]);
    expect(s.ends.map((e) => e.nextInMs)).toEqual([2_000, 4_000, 1_000, 1_000]);
    expect(s.loop.consecutiveFailures).toBe(0);
    await s.loop.stop();
  });

  // A pass that throws is reported through onError and counts as a failed pass; the loop goes on.
  test("a thrown error is reported and backs off like an error", async () => {
    const boom = new Error("virsh went away");
    const s = new LoopScenario({ intervalMs: 1_000 }).script(boom, "ok");
    s.loop.start();
    await s.advance(0);
    expect(s.errors).toEqual([boom]);
    expect(s.ends[0]).toMatchObject({ result: "error", nextInMs: 2_000 });
    await s.advance(2_000);
    expect(s.calls).toHaveLength(2);
    await s.loop.stop();
  });

  // A config change is not delayed by backoff: the user may have just fixed the problem.
  test("a trigger runs at once even while backed off", async () => {
    const s = new LoopScenario({ intervalMs: 1_000 }).script("error", "error", "ok");
    s.loop.start();
    await s.advance(2_000);
    s.loop.trigger("frost.yaml changed");
    await s.advance(0);
    expect(s.calls.map((c) => c.startedAt)).toEqual([0, 2_000, 2_000]);
    await s.loop.stop();
  });
});

describe("stopping", () => {
  // stop() aborts the running pass's signal and resolves only when that pass has finished.
  test("stop aborts the in-flight pass and waits for it", async () => {
    const s = new LoopScenario();
    s.loop.start();
    let stopped = false;
    const stopping = s.loop.stop().then(() => (stopped = true));
    expect(s.last.signal.aborted).toBe(true);
    await s.advance(10_000);
    expect(stopped).toBe(false);

    s.last.finish("ok");
    await stopping;
    expect(s.ends).toEqual([{ result: "ok", durationMs: 10_000, nextInMs: undefined }]);
  });

  // After stop, neither a pending trigger, a new trigger nor the interval starts a pass.
  test("no pass starts after stop", async () => {
    const s = new LoopScenario().script("ok");
    s.loop.start();
    await s.advance(30_000);
    s.loop.trigger("a.yaml changed");
    s.calls[1]!.finish("ok");
    s.loop.trigger("b.yaml changed");
    const stopping = s.loop.stop();
    s.loop.trigger("c.yaml changed");
    await stopping;
    await s.advance(24 * 3600_000);
    expect(s.calls.map((c) => c.reason)).toEqual(["startup", "a.yaml changed"]);
  });

  // Stopping twice, or with nothing in flight, resolves without error.
  test("stop is idempotent", async () => {
    const s = new LoopScenario().script("ok");
    s.loop.start();
    await s.advance(0);
    const first = s.loop.stop();
    expect(s.loop.stop()).toBe(first);
    await first;
  });
});
