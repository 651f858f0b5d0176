import type { FrostRecord } from "../frost-record.js";
import type { DomainDefinition } from "../hypervisor.js";
import { diskVolumeName } from "../../../images/image-facts.js";

/**
 * Whether a domain is one frost created, judged from its record and the domain itself:
 * - `frost`: the record says frost created it, and the domain is the one frost defined: the UUID
 *   and the name frost recorded are the domain's;
 * - `renamed`: frost's record and UUID, another name: renamed outside frost (`virsh domrename`);
 * - `copy`: frost's record under another UUID: defined from a copy of the XML of a domain frost
 *   created (the record came along), or frost's domain undefined and defined again without its UUID;
 * - `not-frost`: no record of frost's creating it.
 *
 * Records written before frost recorded UUIDs carry neither UUID nor name. Such a record is
 * believed where the name frost gave the domain's disk (`<instance>-<12 hex>.qcow2`, from the
 * instance name and the image digest it records) is the domain's own name: the domains frost
 * created keep working, while one renamed outside frost or copied under another name is not
 * taken for frost's (`renamed` and `unsure`: without a UUID, frost cannot tell a rename from a copy).
 */
export type FrostIdentity =
  { kind: "frost" } | { kind: "renamed"; definedAs: string; unsure?: true } | { kind: "copy"; of?: string } | { kind: "not-frost" };

/** The identity of domain `name` with this persistent definition (see FrostIdentity). */
export function frostIdentity(name: string, definition: DomainDefinition | undefined): FrostIdentity {
  const record = definition?.record;
  if (record?.createdBy !== "frost") return { kind: "not-frost" };
  if (record.uuid === undefined) return legacyIdentity(name, record);
  if (record.uuid !== definition?.uuid) return { kind: "copy", ...(record.name !== undefined ? { of: record.name } : {}) };
  if (record.name !== name) return { kind: "renamed", definedAs: record.name ?? "another name" };
  return { kind: "frost" };
}

/** A record without UUID: frost's where the disk frost named after the instance carries this domain's name. */
function legacyIdentity(name: string, record: FrostRecord): FrostIdentity {
  if (record.disk !== undefined && record.digest !== undefined && record.disk === diskVolumeName(name, record.digest))
    return { kind: "frost" };
  const definedAs = record.disk !== undefined ? /^(.+)-[0-9a-f]{12}\.qcow2$/.exec(record.disk)?.[1] : undefined;
  return definedAs !== undefined ? { kind: "renamed", definedAs, unsure: true } : { kind: "copy" };
}

/** Why a domain carrying frost's record is not taken for one frost created: for remarks and errors. */
export function notFrostsReason(identity: FrostIdentity, uuid: string | undefined): string {
  switch (identity.kind) {
    case "renamed":
      return identity.unsure
        ? `frost's record in it (written before frost recorded domain UUIDs) is of ${identity.definedAs}: renamed outside frost, or defined from a copy of its XML`
        : `frost created it as ${identity.definedAs}, and it was renamed outside frost (virsh domrename)`;
    case "copy":
      return `it carries frost's record${identity.of !== undefined ? ` of ${identity.of}` : ""}, but it is not the domain frost defined (its UUID ${uuid ?? "?"} is not the one frost recorded): defined from a copy of that domain's XML?`;
    default:
      return "frost did not create it";
  }
}
