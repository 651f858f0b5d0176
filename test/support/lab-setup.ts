import { lab } from "./lab.js";

/**
 * Global setup of the suites that need real libvirt and OpenStack: bring the lab up with its
 * OpenStack (idempotent). When it cannot come up, the suites fail here, loudly: they never skip.
 */
export default async function setup(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error("the contract and integration suites drive the real lab and must run as root (sudo npm test)");
  }
  await lab("up", "--openstack");
}
