import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { candidateFiles } from "../../../../reconcile/providers/openstack/auth/clouds-yaml.js";
import { keystoneV3Url } from "../../../../reconcile/providers/openstack/auth/credentials.js";
import { loadCredentials } from "../../../../reconcile/providers/openstack/auth/load.js";
import { httpCloud } from "../../../../reconcile/providers/openstack/http/connect.js";
import { FakeOpenStack, PASSWORD, put, tempDir } from "./fake-openstack.js";

let fake: FakeOpenStack;
let tmp: { dir: string; dispose(): Promise<void> };
let cwd: string;
let home: string;
let site: string;

beforeEach(async () => {
  fake = await FakeOpenStack.start();
  tmp = await tempDir();
  cwd = join(tmp.dir, "work");
  home = join(tmp.dir, "home");
  site = join(tmp.dir, "etc-openstack");
});

afterEach(async () => {
  await fake.close();
  await tmp.dispose();
});

/** A clouds.yaml with one cloud `name` whose auth_url is `authUrl`. */
function cloudsYaml(name: string, authUrl: string, auth: Record<string, string> = {}): string {
  const lines = Object.entries({
    username: "frost",
    project_name: "snapshots",
    user_domain_name: "Default",
    project_domain_name: "Default",
    ...auth,
  })
    .map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`)
    .join("\n");
  return `clouds:\n  ${name}:\n    auth:\n      auth_url: ${authUrl}\n${lines}\n    region_name: RegionOne\n`;
}

function tokenBody(index = 0): {
  auth: { identity: { password: { user: Record<string, unknown> } }; scope: { project: Record<string, unknown> } };
} {
  const request = fake.to("/identity/v3/auth/tokens")[index];
  if (!request) throw new Error("no token request");
  return JSON.parse(request.body.toString("utf8"));
}

describe("credentials from clouds.yaml", () => {
  it("reads the named cloud from ./clouds.yaml, appends /v3 to auth_url, and asks Keystone for a project-scoped password token", async () => {
    await put(join(cwd, "clouds.yaml"), cloudsYaml("lab", fake.authUrl, { password: PASSWORD }));
    const cloud = httpCloud({ cloud: "lab", env: {}, cwd, home });
    expect(cloud.name).toBe("lab");
    expect(await cloud.listImages()).toEqual([]);
    expect(fake.tokenPosts).toBe(1);
    const post = fake.to("/identity")[0];
    expect(post?.path).toBe("/identity/v3/auth/tokens");
    expect(post?.headers["content-type"]).toBe("application/json");
    expect(tokenBody()).toEqual({
      auth: {
        identity: { methods: ["password"], password: { user: { name: "frost", domain: { name: "Default" }, password: PASSWORD } } },
        scope: { project: { name: "snapshots", domain: { name: "Default" } } },
      },
    });
  });

  it("searches OS_CLIENT_CONFIG_FILE, ./, $XDG_CONFIG_HOME/openstack, ~/.config/openstack, then the system directory: first found wins", async () => {
    const xdg = join(tmp.dir, "xdg");
    const order = [
      await put(join(tmp.dir, "elsewhere", "my-clouds.yaml"), cloudsYaml("c", "https://override:5000", { password: "p" })),
      await put(join(cwd, "clouds.yaml"), cloudsYaml("c", "https://cwd:5000", { password: "p" })),
      await put(join(xdg, "openstack", "clouds.yaml"), cloudsYaml("c", "https://xdg:5000", { password: "p" })),
      await put(join(home, ".config", "openstack", "clouds.yml"), cloudsYaml("c", "https://home:5000", { password: "p" })),
      await put(join(site, "clouds.yaml"), cloudsYaml("c", "https://site:5000", { password: "p" })),
    ];
    const env = { OS_CLIENT_CONFIG_FILE: order[0] as string, XDG_CONFIG_HOME: xdg };
    const seen: string[] = [];
    for (const file of order) {
      seen.push((await loadCredentials({ cloud: "c", env, cwd, home, siteDirs: [site] })).authUrl);
      await rm(file);
    }
    expect(seen).toEqual([
      "https://override:5000/v3",
      "https://cwd:5000/v3",
      "https://xdg:5000/v3",
      "https://home:5000/v3",
      "https://site:5000/v3",
    ]);
  });

  it("uses ~/.config/openstack when XDG_CONFIG_HOME is unset, and /etc/openstack last", () => {
    const files = candidateFiles("clouds", { env: {}, cwd: "/w", home: "/h" });
    expect(files.filter((f) => f.endsWith("clouds.yaml"))).toEqual([
      "/w/clouds.yaml",
      "/h/.config/openstack/clouds.yaml",
      "/etc/openstack/clouds.yaml",
    ]);
  });

  it("merges secure.yaml over clouds.yaml, key by key, even from another directory", async () => {
    await put(join(home, ".config", "openstack", "clouds.yaml"), cloudsYaml("lab", fake.authUrl, { password: "the-old-one" }));
    await put(join(cwd, "secure.yaml"), `clouds:\n  lab:\n    auth:\n      password: ${JSON.stringify(PASSWORD)}\n`);
    const credentials = await loadCredentials({ cloud: "lab", env: {}, cwd, home, siteDirs: [site] });
    expect(credentials.password.reveal()).toBe(PASSWORD);
    expect(credentials.user).toEqual({ name: "frost", domain: { name: "Default" } });
    expect(credentials.region).toBe("RegionOne");
    expect(credentials.source).toContain(join(cwd, "secure.yaml"));
  });

  it("takes the cloud from OS_CLOUD when frost names none, and frost's name over OS_CLOUD", async () => {
    await put(
      join(cwd, "clouds.yaml"),
      `${cloudsYaml("one", "https://one:5000", { password: "p" })}${cloudsYaml("two", "https://two:5000", { password: "p" }).replace("clouds:\n", "")}`,
    );
    expect((await loadCredentials({ env: { OS_CLOUD: "two" }, cwd, home, siteDirs: [site] })).authUrl).toBe("https://two:5000/v3");
    expect((await loadCredentials({ cloud: "one", env: { OS_CLOUD: "two" }, cwd, home, siteDirs: [site] })).authUrl).toBe(
      "https://one:5000/v3",
    );
    expect(httpCloud({ env: { OS_CLOUD: "two" }, cwd, home }).name).toBe("two");
    expect(httpCloud({ cloud: "one", env: { OS_CLOUD: "two" }, cwd, home }).name).toBe("one");
  });

  it("names the file and the clouds it has when the cloud is not there", async () => {
    const file = await put(join(cwd, "clouds.yaml"), cloudsYaml("alpha", "https://a:5000", { password: "p" }));
    await expect(loadCredentials({ cloud: "beta", env: {}, cwd, home, siteDirs: [site] })).rejects.toThrow(
      `OpenStack cloud "beta" (named in frost's configuration) is not in ${file} (it has: alpha); fix the cloud name, or add it under clouds:`,
    );
  });

  it("lists where it looked when there is no clouds.yaml", async () => {
    const error = await loadCredentials({ env: { OS_CLOUD: "lab" }, cwd, home, siteDirs: [site] }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`OpenStack cloud "lab" (named by OS_CLOUD): no clouds.yaml found`);
    expect((error as Error).message).toContain(join(cwd, "clouds.yaml"));
    expect((error as Error).message).toContain(join(site, "clouds.yaml"));
  });

  it("reads YAML as openstacksdk's PyYAML does (1.1: verify: no is false) and takes interface, cacert, regions", async () => {
    await put(
      join(cwd, "clouds.yaml"),
      `clouds:\n  lab:\n    auth:\n      auth_url: https://k:5000/v3/\n      user_id: u1\n      password: p\n      tenant_id: p1\n    regions: [RegionTwo, RegionOne]\n    interface: internalURL\n    verify: no\n    cacert: certs/ca.pem\n`,
    );
    const c = await loadCredentials({ cloud: "lab", env: {}, cwd, home, siteDirs: [site] });
    expect({
      authUrl: c.authUrl,
      user: c.user,
      project: c.project,
      region: c.region,
      interface: c.interface,
      verify: c.verify,
      cacert: c.cacert,
    }).toEqual({
      authUrl: "https://k:5000/v3",
      user: { id: "u1" },
      project: { id: "p1" },
      region: "RegionTwo",
      interface: "internal",
      verify: false,
      cacert: join(cwd, "certs/ca.pem"),
    });
  });

  it("lets domain_name stand for both domains", async () => {
    await put(
      join(cwd, "clouds.yaml"),
      `clouds:\n  lab:\n    auth:\n      auth_url: https://k:5000\n      username: u\n      password: p\n      project_name: pr\n      domain_name: Corp\n`,
    );
    const c = await loadCredentials({ cloud: "lab", env: {}, cwd, home, siteDirs: [site] });
    expect([c.user, c.project]).toEqual([
      { name: "u", domain: { name: "Corp" } },
      { name: "pr", domain: { name: "Corp" } },
    ]);
  });

  it("lists every missing field of a cloud in one error, with the file to set them in", async () => {
    const file = await put(join(cwd, "clouds.yaml"), `clouds:\n  lab:\n    auth:\n      username: frost\n      project_name: snapshots\n`);
    await expect(loadCredentials({ cloud: "lab", env: {}, cwd, home, siteDirs: [site] })).rejects.toThrow(
      `OpenStack credentials of cloud "lab" in ${file} are incomplete: missing auth.auth_url, ` +
        `auth.user_domain_name or auth.user_domain_id (the user's domain, often Default), auth.password, ` +
        `auth.project_domain_name or auth.project_domain_id (the project's domain, often Default); set them under clouds.lab in ${file}`,
    );
  });

  it("refuses a value YAML does not read as text, without showing it", async () => {
    await put(
      join(cwd, "clouds.yaml"),
      `clouds:\n  lab:\n    auth:\n      auth_url: https://k:5000\n      user_id: u\n      password: 0123\n      project_id: p\n`,
    );
    const error = await loadCredentials({ cloud: "lab", env: {}, cwd, home, siteDirs: [site] }).catch((e: Error) => e);
    expect((error as Error).message).toContain("wrong: auth.password is not text (quote it in YAML)");
    expect((error as Error).message).not.toMatch(/83|0123/);
  });

  it("refuses an auth_type other than password, naming the file and the cloud", async () => {
    const file = await put(
      join(cwd, "clouds.yaml"),
      `clouds:\n  lab:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: https://k:5000\n`,
    );
    await expect(loadCredentials({ cloud: "lab", env: {}, cwd, home, siteDirs: [site] })).rejects.toThrow(
      `OpenStack credentials of cloud "lab" in ${file}: auth_type is "v3applicationcredential", which frost does not support; ` +
        `frost authenticates with Keystone v3 passwords only (auth_type password, v3password or unset, with a user, a password and a project); change clouds.lab in ${file}`,
    );
  });

  it("accepts auth_type password and v3password, and refuses identity_api_version 2", async () => {
    for (const type of ["password", "v3password"]) {
      await put(
        join(cwd, "clouds.yaml"),
        `clouds:\n  lab:\n    auth_type: ${type}\n    auth:\n      auth_url: https://k:5000\n      user_id: u\n      password: p\n      project_id: p\n`,
      );
      expect((await loadCredentials({ cloud: "lab", env: {}, cwd, home, siteDirs: [site] })).user).toEqual({ id: "u" });
    }
    await put(join(cwd, "clouds.yaml"), `clouds:\n  lab:\n    identity_api_version: 2\n    auth:\n      auth_url: https://k:5000\n`);
    await expect(loadCredentials({ cloud: "lab", env: {}, cwd, home, siteDirs: [site] })).rejects.toThrow(
      /identity_api_version is "2"; frost speaks Keystone v3 only/,
    );
  });

  it("reports a YAML error by file and position", async () => {
    const file = await put(join(cwd, "clouds.yaml"), `clouds:\n  lab:\n    auth:\n      password: a: b\n`);
    await expect(loadCredentials({ cloud: "lab", env: {}, cwd, home, siteDirs: [site] })).rejects.toThrow(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:4:\\d+: not valid YAML \\(\\w+\\)`),
    );
  });
});

describe("credentials from the OS_* variables", () => {
  it("are used when no cloud is named, and the cloud is then called the OS_* environment", async () => {
    const cloud = httpCloud({ env: fake.env(), cwd, home });
    expect(cloud.name).toBe("OS_* environment");
    await cloud.listImages();
    expect(tokenBody().auth.identity.password.user).toEqual({ name: "frost", domain: { name: "Default" }, password: PASSWORD });
    expect(tokenBody().auth.scope.project).toEqual({ name: "snapshots", domain: { name: "Default" } });
  });

  it("take ids instead of names (no domains needed then), and OS_TENANT_NAME as the project's old name", async () => {
    const byId = await loadCredentials({
      env: { OS_AUTH_URL: "http://k:5000/v3", OS_USER_ID: "u1", OS_PASSWORD: "p", OS_PROJECT_ID: "p1" },
      cwd,
      home,
    });
    expect([byId.user, byId.project]).toEqual([{ id: "u1" }, { id: "p1" }]);
    const tenant = await loadCredentials({ env: fake.env({ OS_PROJECT_NAME: "", OS_TENANT_NAME: "legacy" }), cwd, home });
    expect(tenant.project).toEqual({ name: "legacy", domain: { name: "Default" } });
  });

  it("read OS_REGION_NAME, OS_INTERFACE, OS_CACERT and OS_INSECURE", async () => {
    const c = await loadCredentials({
      env: fake.env({ OS_REGION_NAME: "RegionTwo", OS_INTERFACE: "admin", OS_CACERT: "/ca.pem", OS_INSECURE: "true" }),
      cwd,
      home,
    });
    expect({ region: c.region, interface: c.interface, cacert: c.cacert, verify: c.verify }).toEqual({
      region: "RegionTwo",
      interface: "admin",
      cacert: "/ca.pem",
      verify: false,
    });
  });

  it("list every missing variable in one error", async () => {
    await expect(loadCredentials({ env: {}, cwd, home })).rejects.toThrow(
      "OpenStack credentials of the OS_* environment variables are incomplete: missing OS_AUTH_URL, OS_USERNAME or OS_USER_ID, OS_PASSWORD, " +
        "OS_PROJECT_NAME or OS_PROJECT_ID (frost needs a project-scoped token); set them (source the project's openrc file), " +
        "or name a cloud of clouds.yaml (cloud: in frost's configuration, or OS_CLOUD)",
    );
    await expect(loadCredentials({ env: fake.env({ OS_USER_DOMAIN_NAME: "", OS_PROJECT_DOMAIN_NAME: "" }), cwd, home })).rejects.toThrow(
      "missing OS_USER_DOMAIN_NAME or OS_USER_DOMAIN_ID (the user's domain, often Default), OS_PROJECT_DOMAIN_NAME or OS_PROJECT_DOMAIN_ID (the project's domain, often Default);",
    );
  });

  it("refuse another OS_AUTH_TYPE, an interface that is none, and a v2.0 auth URL", async () => {
    await expect(loadCredentials({ env: fake.env({ OS_AUTH_TYPE: "token" }), cwd, home })).rejects.toThrow(
      'OpenStack credentials of the OS_* environment variables: OS_AUTH_TYPE is "token", which frost does not support',
    );
    await expect(loadCredentials({ env: fake.env({ OS_INTERFACE: "private" }), cwd, home })).rejects.toThrow(
      'OS_INTERFACE is "private", not public, internal or admin',
    );
    await expect(loadCredentials({ env: fake.env({ OS_AUTH_URL: "http://k:5000/v2.0" }), cwd, home })).rejects.toThrow(
      "OS_AUTH_URL is Keystone's v2.0 API",
    );
  });

  it("are not read before the first call, and a problem surfaces as that call's error", async () => {
    const cloud = httpCloud({ env: {}, cwd, home });
    expect(fake.requests).toEqual([]);
    await expect(cloud.listServers()).rejects.toThrow("missing OS_AUTH_URL");
    await expect(cloud.getImage("x")).rejects.toThrow("missing OS_AUTH_URL");
  });
});

describe("auth_url", () => {
  it("gets /v3 appended when it has none", () => {
    expect(keystoneV3Url("http://k:5000")).toBe("http://k:5000/v3");
    expect(keystoneV3Url("http://k:5000/")).toBe("http://k:5000/v3");
    expect(keystoneV3Url("https://cloud/identity")).toBe("https://cloud/identity/v3");
    expect(keystoneV3Url("https://cloud/identity/v3/")).toBe("https://cloud/identity/v3");
    expect(keystoneV3Url("keystone:5000")).toEqual({ problem: "is not an http(s) URL" });
    expect(keystoneV3Url("not a url")).toHaveProperty("problem");
  });
});
