import { Document, isMap, isPair, isScalar, type Pair, type YAMLMap } from "yaml";
import type { AdoptionResult } from "../../reconcile/import/adoption.js";

/** How the imported YAML names its host: a `host:` block (a new configuration) or `host: NAME` on each instance (a fleet). */
export interface ImportYamlOptions {
  uri: string;
  /** Write a `host:` block with this URI (for a configuration of its own). */
  hostBlock: boolean;
  /** Name the host on every instance (to join a fleet configuration). */
  fleetHost?: string;
  generatedAt: string;
}

/** Renders an import as a frost configuration fragment, with a comment on every domain frost had something to say about. */
export function renderImportYaml(result: AdoptionResult, options: ImportYamlOptions): string {
  const instances: Record<string, Record<string, unknown>> = {};
  for (const d of result.adopted) {
    instances[d.name] = {
      ...(options.fleetHost !== undefined ? { host: options.fleetHost } : {}),
      adopt: true,
      ...(d.agent !== undefined ? { agent: d.agent } : {}),
    };
  }
  const doc = new Document({ ...(options.hostBlock ? { host: { uri: options.uri } } : {}), instances });
  doc.commentBefore = ` Written by frost import from ${options.uri} at ${options.generatedAt}.`;
  const map = doc.get("instances", true);
  if (isMap(map)) {
    for (const d of result.adopted) if (d.note) setComment(keyOf(map, d.name), d.note);
    if (result.adopted.length === 0) doc.comment = " No domain to adopt.";
  }
  if (result.skipped.length > 0) {
    const lines = result.skipped.map((s) => ` not imported: ${s.name}: ${s.reason}`);
    doc.comment = [doc.comment, ...lines].filter(Boolean).join("\n");
  }
  return doc.toString({ lineWidth: 0 });
}

function keyOf(map: YAMLMap, name: string): Pair | undefined {
  return map.items.find((p): p is Pair => isPair(p) && isScalar(p.key) && p.key.value === name);
}

function setComment(pair: Pair | undefined, note: string): void {
  if (pair && isScalar(pair.key)) pair.key.commentBefore = ` ${note}`;
}
