import { loadConfig, type LoadResult } from "../config/load.js";
import type { DesiredState } from "../config/types.js";
import type { Diagnostic } from "../diagnostics.js";

/**
 * The outcome of `LastGoodConfig.reload`. `diagnostics` are always those of the load just made.
 * `usedLastGood` is true when that load failed and `desired` is the previous good configuration;
 * `desired` is undefined only when no load has ever succeeded.
 */
export interface ReloadResult {
  desired?: DesiredState;
  diagnostics: Diagnostic[];
  usedLastGood: boolean;
}

/**
 * The configuration at `path` as last loaded without errors. An invalid edit changes nothing: the
 * previous good desired state stays in force, and the new problems are reported. `load` is
 * `loadConfig` unless a test swaps it.
 */
export class LastGoodConfig {
  #good: DesiredState | undefined;

  constructor(
    readonly path: string,
    private readonly load: (path: string) => Promise<LoadResult> = loadConfig,
  ) {}

  /** The last good desired state, or undefined before the first good load. */
  get current(): DesiredState | undefined {
    return this.#good;
  }

  /** Loads the configuration again; on errors keeps and returns the last good one. */
  async reload(): Promise<ReloadResult> {
    const { desired, diagnostics } = await this.load(this.path);
    if (desired !== undefined) {
      this.#good = desired;
      return { desired, diagnostics, usedLastGood: false };
    }
    return { desired: this.#good, diagnostics, usedLastGood: this.#good !== undefined };
  }
}
