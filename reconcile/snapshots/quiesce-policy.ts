import type { DesiredState, InstanceSpec, QuiescePolicy, ScheduleSpec } from "../config/types.js";

/**
 * The quiesce policy a snapshot of `instance` runs under. A requirement (the instance's own
 * `quiesce: required`, or its image's `os_require_quiesce`) can never be weakened by a schedule:
 * where quiesce is required, no crash-consistent snapshot is ever taken in its place. Otherwise
 * the schedule's word, then the instance's, then `preferred`.
 */
export function effectiveQuiesce(instance: InstanceSpec, desired: DesiredState, schedule?: Pick<ScheduleSpec, "quiesce">): QuiescePolicy {
  const imageRequires = instance.image !== undefined && desired.images[instance.image]?.requireQuiesce === true;
  if (imageRequires || instance.quiesce === "required") return "required";
  return schedule?.quiesce ?? instance.quiesce ?? "preferred";
}

/** The instances a schedule covers, in configuration order. */
export function scheduleInstances(schedule: ScheduleSpec, desired: DesiredState): InstanceSpec[] {
  if (schedule.instances === "all") return Object.values(desired.instances);
  return schedule.instances.map((n) => desired.instances[n]).filter((i): i is InstanceSpec => i !== undefined);
}
