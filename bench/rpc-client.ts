/**
 * rpc-client: libvirt's protocol spoken directly (reconcile/providers/libvirt/rpc/) against virsh, in one run.
 *
 * - round trip: one virDomainGetState on an open connection (median of 50 in a row, per round),
 *   against one `virsh domstate D` process, which is what one question costs when virsh asks it;
 * - 200 domains' persistent XML: the client in a process of its own (Node start-up, module
 *   loading, connect, one listing of the host's domains, 200 dumpxml calls, all concurrent), and the same calls
 *   in-process on an open connection, against ONE batched virsh process of 200 `dumpxml --inactive`
 *   (the floor of frost's current observation).
 *
 * Rounds are interleaved (each starts with another method), one warm-up first.
 * Usage: node dist/bench/rpc-client.js [--runs 7]
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openConnection } from "../reconcile/providers/libvirt/rpc/open.js";
import { domainState, domainXml, listDomains, requireDomain } from "../reconcile/providers/libvirt/rpc/domains.js";
import {
  URI,
  definePlainDomains,
  fmt,
  intOption,
  isMain,
  machine,
  must,
  requireLab,
  rotate,
  run,
  summary,
  tempDir,
  withCleanup,
} from "./lib.js";

const DOMAINS = 200;
const ROUND_TRIPS = 50;

type Method = "rpcProcess" | "rpcInProcess" | "virshBatch" | "rpcCall" | "virshCall" | "nodeStart";

export interface RpcResult {
  runs: number;
  ms: Record<Method, number[]>;
}

/** Reads every named domain's persistent XML through the client: open, list the host's domains (one call), dumpxml each, all at once. */
async function readAll(names: readonly string[]): Promise<number> {
  const c = await openConnection(URI);
  try {
    const wanted = new Set(names);
    const refs = (await listDomains(c)).filter((d) => wanted.has(d.name)).map((d) => d.ref);
    if (refs.length !== names.length) throw new Error(`the host lists ${refs.length} of the ${names.length} domains`);
    const xmls = await Promise.all(refs.map((dom) => domainXml(c, dom, ["inactive"])));
    return xmls.reduce((sum, x) => sum + x.length, 0);
  } finally {
    await c.close();
  }
}

export async function rpcClient(options: { runs: number; log?: (s: string) => void }): Promise<RpcResult> {
  const log = options.log ?? ((s: string) => process.stderr.write(s + "\n"));
  const names = Array.from({ length: DOMAINS }, (_, i) => `t-bench-rpc-${String(i).padStart(3, "0")}`);
  log(`rpc-client: defining ${names.length} shut-off domains`);
  await definePlainDomains(names);
  const dir = await tempDir("frost-bench-rpc-");
  const list = join(dir, "names");
  await writeFile(list, names.join("\n"));
  const batch = names.map((n) => `dumpxml --inactive ${n}`).join("; ");
  const self = join(import.meta.dirname, "rpc-client.js");

  const c = await openConnection(URI);
  const first = await requireDomain(c, names[0] as string);
  const result: RpcResult = {
    runs: options.runs,
    ms: { rpcProcess: [], rpcInProcess: [], virshBatch: [], rpcCall: [], virshCall: [], nodeStart: [] },
  };
  const methods: Method[] = ["rpcProcess", "rpcInProcess", "virshBatch", "rpcCall", "virshCall", "nodeStart"];
  try {
    for (let round = 0; round <= options.runs; round++) {
      const warmUp = round === 0;
      for (const method of rotate(methods, round)) {
        let ms: number;
        if (method === "rpcProcess") {
          const r = await must(process.execPath, [self, "--read", list]);
          if (Number(r.stdout.trim()) <= 0) throw new Error(`rpc-client --read gave ${r.stdout}`);
          ms = r.ms;
        } else if (method === "rpcInProcess") {
          const t = performance.now();
          await readAll(names);
          ms = performance.now() - t;
        } else if (method === "virshBatch") {
          const r = await must("virsh", ["-q", "-c", URI, batch]);
          if (!r.stdout.includes(names.at(-1) as string)) throw new Error("the batched virsh did not print every domain");
          ms = r.ms;
        } else if (method === "rpcCall") {
          const times: number[] = [];
          for (let i = 0; i < ROUND_TRIPS; i++) {
            const t = performance.now();
            await domainState(c, first);
            times.push(performance.now() - t);
          }
          ms = summary(times).median;
        } else if (method === "nodeStart") {
          ms = (await must(process.execPath, ["-e", "0"])).ms;
        } else {
          const r = await run("virsh", ["-q", "-c", URI, "domstate", names[0] as string]);
          if (r.code !== 0) throw new Error(`virsh domstate: ${r.stderr}`);
          ms = r.ms;
        }
        if (!warmUp) result.ms[method].push(ms);
      }
      if (!warmUp) {
        log(
          `rpc-client: round ${round}/${options.runs}: ` + methods.map((m) => `${m} ${fmt(result.ms[m].at(-1) ?? NaN, 2)} ms`).join(", "),
        );
      }
    }
  } finally {
    await c.close();
  }
  return result;
}

/** The Markdown table of a run: medians, p95, and each figure as a ratio to its baseline of the same run. */
export function rpcTable(r: RpcResult): string {
  const med = (m: Method) => summary(r.ms[m]).median;
  const row = (what: string, m: Method, base: Method) => {
    const s = summary(r.ms[m]);
    const ratio = med(m) / med(base);
    return `| ${what} | ${r.ms[m].length} | ${fmt(s.median, 2)} | ${fmt(s.p95, 2)} | ${fmt(s.min, 2)} | ${fmt(s.max, 2)} | ${fmt(ratio, 3)}× (${fmt(1 / ratio, 1)}× faster) |`;
  };
  const base = (what: string, m: Method) => {
    const s = summary(r.ms[m]);
    return `| ${what} | ${r.ms[m].length} | ${fmt(s.median, 2)} | ${fmt(s.p95, 2)} | ${fmt(s.min, 2)} | ${fmt(s.max, 2)} | 1 (baseline) |`;
  };
  return [
    "| measure | n | median (ms) | p95 | min | max | ratio to baseline |",
    "|---|---|---|---|---|---|---|",
    base("one question: `virsh domstate D` (a process)", "virshCall"),
    row("one question: virDomainGetState round trip on an open connection", "rpcCall", "virshCall"),
    base(`${DOMAINS} domains' XML: one batched virsh process (\`dumpxml --inactive\` × ${DOMAINS})`, "virshBatch"),
    row(
      `${DOMAINS} domains' XML: the client as a process (Node start-up, connect, one listing, ${DOMAINS} dumpxml)`,
      "rpcProcess",
      "virshBatch",
    ),
    row("(for scale) Node start-up alone: `node -e 0`", "nodeStart", "virshBatch"),
    row(`${DOMAINS} domains' XML: the client in-process (connect, one listing, ${DOMAINS} dumpxml)`, "rpcInProcess", "virshBatch"),
  ].join("\n");
}

if (isMain(import.meta.url)) {
  const argv = process.argv.slice(2);
  if (argv[0] === "--read") {
    const { readFile } = await import("node:fs/promises");
    const names = (await readFile(argv[1] as string, "utf8")).split("\n").filter(Boolean);
    process.stdout.write(`${await readAll(names)}\n`);
  } else {
    await requireLab();
    const result = await withCleanup(() => rpcClient({ runs: intOption(argv, "runs", 7) }));
    console.log(`### libvirt RPC client\n\n${await machine()}\n\n${rpcTable(result)}`);
  }
}
