import { isMap, type CloudEntry } from "./clouds-yaml.js";
import { assembleCredentials, truthyFlag, type Credentials, type RawFields } from "./credentials.js";

/**
 * The credentials of a clouds.yaml entry, read as openstacksdk reads them: `auth:` holds the
 * Keystone fields (tenant_name/tenant_id as old names of the project's, domain_name/domain_id as
 * the domain of both user and project when they have none of their own); region_name (else the
 * first of regions:), interface (or endpoint_type), cacert, verify (or insecure) beside it.
 */
export function credentialsFromCloud(entry: CloudEntry, cwd: string, home: string): Credentials {
  const c = entry.config;
  const auth = isMap(c["auth"]) ? c["auth"] : {};
  const notText: string[] = [];
  const text = (map: Record<string, unknown>, key: string, label: string): string | undefined => {
    const value = map[key];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value === "string") return value;
    // Refused rather than converted: YAML 1.1 reads `password: 0123` as 83, and the user meant neither.
    notText.push(label);
    return undefined;
  };
  const a = (key: string) => text(auth, key, `auth.${key}`);
  const raw: RawFields = {
    authType: text(c, "auth_type", "auth_type"),
    identityApiVersion:
      typeof c["identity_api_version"] === "number"
        ? String(c["identity_api_version"])
        : text(c, "identity_api_version", "identity_api_version"),
    authUrl: a("auth_url"),
    username: a("username"),
    userId: a("user_id"),
    password: a("password"),
    projectName: a("project_name") ?? a("tenant_name"),
    projectId: a("project_id") ?? a("tenant_id"),
    userDomainName: a("user_domain_name") ?? a("domain_name"),
    userDomainId: a("user_domain_id") ?? a("domain_id"),
    projectDomainName: a("project_domain_name") ?? a("domain_name"),
    projectDomainId: a("project_domain_id") ?? a("domain_id"),
    region: text(c, "region_name", "region_name") ?? firstRegion(c["regions"]),
    interface: text(c, "interface", "interface") ?? text(c, "endpoint_type", "endpoint_type"),
    cacert: text(c, "cacert", "cacert"),
    insecure: verifyOff(c["verify"], c["insecure"]),
    notText: [...new Set(notText)],
  };
  const files = entry.secureFile ? `${entry.file} (or ${entry.secureFile})` : entry.file;
  const source = `cloud ${JSON.stringify(entry.name)} in ${entry.secureFile ? `${entry.file} and ${entry.secureFile}` : entry.file}`;
  const profile =
    typeof c["profile"] === "string" ? `; profile: ${c["profile"]} is not read by frost: write its auth_url and the rest out` : "";
  return assembleCredentials(raw, {
    source,
    names: {
      authType: "auth_type",
      identityApiVersion: "identity_api_version",
      authUrl: "auth.auth_url",
      username: "auth.username",
      userId: "auth.user_id",
      password: "auth.password",
      projectName: "auth.project_name",
      projectId: "auth.project_id",
      userDomainName: "auth.user_domain_name",
      userDomainId: "auth.user_domain_id",
      projectDomainName: "auth.project_domain_name",
      projectDomainId: "auth.project_domain_id",
      region: "region_name",
      interface: "interface",
      cacert: "cacert",
    },
    howToFix: `set them under clouds.${entry.name} in ${files}${profile}`,
    authTypeWhere: `; change clouds.${entry.name} in ${entry.file}`,
    cwd,
    home,
  });
}

/** `verify: false` (or `insecure: true`), as YAML booleans or as text. */
function verifyOff(verify: unknown, insecure: unknown): boolean {
  if (verify === false || insecure === true) return true;
  if (typeof verify === "string" && /^(0|f|false|off|n|no)$/i.test(verify.trim())) return true;
  return typeof insecure === "string" && truthyFlag(insecure);
}

function firstRegion(regions: unknown): string | undefined {
  if (!Array.isArray(regions)) return undefined;
  const first: unknown = regions[0];
  if (typeof first === "string") return first;
  if (isMap(first) && typeof first["name"] === "string") return first["name"];
  return undefined;
}
