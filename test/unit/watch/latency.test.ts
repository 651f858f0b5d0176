import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, test } from "vitest";
import { recordChanges, sleep, tempDir } from "./watch-helpers.js";

// How long after a write returns does onChange come, with the defaults (stability 50 ms, debounce 30 ms)?
// Printed for the record; the bound asserted is loose so that a loaded machine does not fail it.
test("latency from the end of a write to onChange", { timeout: 20_000 }, async () => {
  const dir = await tempDir({ "frost.yaml": "host: {}\n" });
  const w = await recordChanges(join(dir, "frost.yaml"));
  const latencies: number[] = [];
  for (let i = 1; i <= 10; i++) {
    await writeFile(join(dir, "frost.yaml"), `host: {}\n# edit ${i}\n`);
    const written = performance.now();
    latencies.push((await w.nth(i)).at - written);
    await sleep(150);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const ms = (n: number | undefined) => `${Math.round(n ?? NaN)} ms`;
  console.log(`config watch latency: min ${ms(sorted[0])}, median ${ms(sorted[5])}, max ${ms(sorted[9])}`);
  expect(w.changes).toHaveLength(10);
  expect(sorted[9]).toBeLessThan(1_000);
});
