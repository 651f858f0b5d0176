/**
 * An OpenStack host has no libvirt URI; frost labels it `openstack:CLOUD` (`openstack:OS_*` when the
 * OS_* variables say where the cloud is). The label is what plans, locks and saved plan files
 * carry: the cloud's name, never its credentials.
 */
const PREFIX = "openstack:";
const FROM_ENV = "OS_*";

export function openstackUri(cloud: string | undefined): string {
  return `${PREFIX}${cloud ?? FROM_ENV}`;
}

/** The cloud name of an OpenStack label; undefined for `openstack:OS_*` (the OS_* variables). */
export function cloudOfUri(uri: string): string | undefined {
  const name = uri.slice(PREFIX.length);
  return name === FROM_ENV ? undefined : name;
}
