/**
 * What frost's journals know a host by: the URI a run reached it through and, where libvirt
 * reported one, its UUID. One host reached by two URIs has one UUID, so entries match by UUID where
 * both sides have one, and by URI otherwise.
 */
export interface JournalHost {
  uri: string;
  hostUuid?: string;
}

/** True when an entry written for `entry` belongs to `host`. */
export function sameHost(entry: JournalHost, host: JournalHost): boolean {
  if (entry.hostUuid !== undefined && host.hostUuid !== undefined) return entry.hostUuid === host.hostUuid;
  return entry.uri === host.uri;
}
