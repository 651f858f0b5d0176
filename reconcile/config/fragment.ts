import type { HostSpec, ImageSpec, InstanceSpec, ScheduleSpec, SourcePos } from "./types.js";

/**
 * A name used in one place that must be declared in another: an instance's image or host, or an
 * instance listed by a schedule. `where` names the place for messages (`instances.web.image`).
 */
export interface Reference {
  kind: "image" | "instance" | "host";
  name: string;
  pos: SourcePos;
  where: string;
}

/**
 * What one configuration file declares, before files are merged and references are checked.
 * Instances carry `host: ""` until the merge decides between a single host and a fleet;
 * `hostlessInstances` are those that did not write `host:` at all.
 */
export interface Fragment {
  file: string;
  /** Position of a `host:` key (a single host), even when its value was invalid. */
  singleHostPos?: SourcePos;
  /** Position of a `hosts:` key (a fleet), even when its value was invalid. */
  fleetPos?: SourcePos;
  /** The host declared with `host:` (named `default`). */
  singleHost?: HostSpec;
  /** The hosts declared under `hosts:`. */
  hosts: HostSpec[];
  images: ImageSpec[];
  instances: InstanceSpec[];
  schedules: ScheduleSpec[];
  references: Reference[];
  hostlessInstances: InstanceSpec[];
  /** False when the file's content could not be read as a mapping, so it may declare names we did not see. */
  complete: boolean;
  /** True when the file holds no YAML content at all (reported as `config.empty`). */
  empty: boolean;
}
