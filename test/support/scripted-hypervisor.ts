import {
  HypervisorError,
  type AgentProbe,
  type Hypervisor,
  type SnapshotMeta,
  type SnapshotSession,
} from "../../reconcile/providers/libvirt/hypervisor.js";

/** What each step of a scripted snapshot session does: succeed (with a value) or throw. */
export interface SessionScript {
  prepare?: Error;
  ping?: AgentProbe;
  freeze?: number | Error;
  snapshot?: Error;
  /** The cut's error is frost's own deadline: libvirt never answered, so its overlays must stay. */
  snapshotUnanswered?: boolean;
  /** Results of successive session thaws; an Error kills the session. */
  sessionThaw?: (number | Error)[];
  /** Results of successive thaws over fresh connections. */
  freshThaw?: (number | Error)[];
  recordMeta?: Error;
}

/**
 * A hypervisor whose snapshot session follows a script and records every call in order, for
 * testing the freeze/snapshot/thaw orchestration step by step, failures included.
 */
export class ScriptedHypervisor implements Hypervisor {
  readonly uri = "test:///scripted";
  readonly calls: string[] = [];
  readonly snapshots: { name: string; meta: SnapshotMeta }[] = [];
  /** Overlay files the sessions prepared that exist still (`overlay.<name>`). */
  readonly files = new Set<string>();

  constructor(private readonly script: SessionScript) {}

  /** Pending overlays settled, in order: `domain snapshot files…`. */
  readonly settled: string[] = [];

  async settleOverlays(domain: string, snapshot: string, pending: readonly string[]) {
    this.settled.push([domain, snapshot, ...pending].join(" "));
    for (const f of pending) this.files.delete(f);
    return { status: "removed" as const };
  }

  async hostUuid(): Promise<string | undefined> {
    return "00000000-0000-4000-8000-5c41b7ed0000";
  }

  async openSnapshotSession(domain: string): Promise<SnapshotSession> {
    this.calls.push(`open ${domain}`);
    const script = this.script;
    const calls = this.calls;
    const snapshots = this.snapshots;
    const files = this.files;
    let alive = true;
    let prepared: string | undefined;
    const outcome = <T>(step: string, r: T | Error | undefined, fallback: T): T => {
      calls.push(step);
      if (r instanceof Error) {
        alive = false;
        throw r;
      }
      return r ?? fallback;
    };
    return {
      get alive() {
        return alive;
      },
      prepare: async (name: string) => {
        outcome("prepare", script.prepare, undefined);
        prepared = `overlay.${name}`;
        files.add(prepared);
      },
      discard: async () => {
        calls.push("discard");
        const kept = prepared;
        prepared = undefined;
        if (kept && script.snapshot && script.snapshotUnanswered) return { left: [`kept ${kept}`], pending: [kept] };
        if (kept) files.delete(kept);
        return { left: [], pending: [] };
      },
      ping: async () => outcome("ping", script.ping, { status: "ok" } as AgentProbe),
      freeze: async () => outcome("freeze", script.freeze, 2),
      createSnapshot: async (name: string, meta: SnapshotMeta) => {
        outcome("snapshot", script.snapshot, undefined);
        snapshots.push({ name, meta: structuredClone(meta) });
        prepared = undefined; // in use by the snapshot now
      },
      thaw: async () => outcome("thaw", script.sessionThaw?.shift(), 2),
      recordMeta: async (name: string, meta: SnapshotMeta) => {
        outcome("recordMeta", script.recordMeta, undefined);
        const s = snapshots.find((x) => x.name === name);
        if (s) s.meta = structuredClone(meta);
      },
      close: async () => void calls.push("close"),
    };
  }

  async thaw(): Promise<number> {
    this.calls.push("fresh-thaw");
    const r = this.script.freshThaw?.shift();
    if (r instanceof Error) throw r;
    return r ?? 2;
  }

  observe(): never {
    throw new HypervisorError("not scripted", "observe");
  }
  attachAgentChannel(): never {
    throw new HypervisorError("not scripted", "attach");
  }
  detachAgentChannel(): never {
    throw new HypervisorError("not scripted", "detach");
  }
  observeDefinitions(): never {
    throw new HypervisorError("not scripted", "dumpxml");
  }
  observePool(): never {
    throw new HypervisorError("not scripted", "observePool");
  }
  createPool(): never {
    throw new HypervisorError("not scripted", "createPool");
  }
  uploadVolume(): never {
    throw new HypervisorError("not scripted", "uploadVolume");
  }
  createOverlay(): never {
    throw new HypervisorError("not scripted", "createOverlay");
  }
  markCreating(): never {
    throw new HypervisorError("not scripted", "markCreating");
  }
  unmarkCreating(): never {
    throw new HypervisorError("not scripted", "unmarkCreating");
  }
  deleteVolume(): never {
    throw new HypervisorError("not scripted", "deleteVolume");
  }
  defineDomain(): never {
    throw new HypervisorError("not scripted", "defineDomain");
  }
  startDomain(): never {
    throw new HypervisorError("not scripted", "startDomain");
  }
  stopDomain(): never {
    throw new HypervisorError("not scripted", "stopDomain");
  }
  undefineDomain(): never {
    throw new HypervisorError("not scripted", "undefineDomain");
  }
  setResources(): never {
    throw new HypervisorError("not scripted", "setResources");
  }
  writeRecord(): never {
    throw new HypervisorError("not scripted", "metadata");
  }
  pingAgent(): never {
    throw new HypervisorError("not scripted", "ping");
  }
  deleteSnapshot(): never {
    throw new HypervisorError("not scripted", "delete");
  }
  agentReadiness(): never {
    throw new HypervisorError("not scripted", "readiness");
  }
  installFsfreezeHook(): never {
    throw new HypervisorError("not scripted", "install-hook");
  }
}
