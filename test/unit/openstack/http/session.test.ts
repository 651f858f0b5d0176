import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenStackError } from "../../../../reconcile/providers/openstack/cloud.js";
import { localExpiry } from "../../../../reconcile/providers/openstack/auth/keystone.js";
import { apiRoot } from "../../../../reconcile/providers/openstack/http/api-root.js";
import { httpCloud } from "../../../../reconcile/providers/openstack/http/connect.js";
import { FakeOpenStack, NOVA, PROJECT_ID, glanceImage } from "./fake-openstack.js";

let fake: FakeOpenStack;

beforeEach(async () => {
  fake = await FakeOpenStack.start();
});

afterEach(async () => {
  await fake.close();
});

const cloudWith = (extra: Record<string, string> = {}) => httpCloud({ env: fake.env(extra), cwd: "/nonexistent", home: "/nonexistent" });

describe("the token", () => {
  it("is asked for once and sent with every call, sequential or concurrent", async () => {
    const cloud = cloudWith();
    await Promise.all([cloud.listImages(), cloud.listServers(), cloud.listFlavors(), cloud.listNetworks()]);
    await cloud.listImages();
    expect(fake.tokenPosts).toBe(1);
    const services = fake.requests.filter((r) => !r.path.startsWith("/identity"));
    expect(services).toHaveLength(5);
    for (const r of services) expect(r.headers["x-auth-token"]).toBe(fake.issued[0]);
  });

  it("is renewed when it expires within a minute, and reused again once a longer one is issued", async () => {
    fake.tokenTtlMs = 30_000;
    const cloud = cloudWith();
    await cloud.listImages();
    await cloud.listImages();
    expect(fake.tokenPosts).toBe(2);
    fake.tokenTtlMs = 3_600_000;
    await cloud.listImages();
    await cloud.listImages();
    await cloud.listImages();
    expect(fake.tokenPosts).toBe(3);
    expect(fake.to("/image").map((r) => r.headers["x-auth-token"])).toEqual([
      fake.issued[0],
      fake.issued[1],
      fake.issued[2],
      fake.issued[2],
      fake.issued[2],
    ]);
  });

  it("lives as long as Keystone gave it, counted on this machine's clock (Keystone's may be hours off)", async () => {
    fake.clockSkewMs = -2 * 3_600_000;
    const cloud = cloudWith();
    await cloud.listImages();
    await cloud.listServers();
    expect(fake.tokenPosts).toBe(1);
    expect(localExpiry("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", 5_000)).toBe(3_605_000);
    expect(localExpiry(undefined, "2026-01-01T01:00:00Z", 5_000)).toBe(Date.parse("2026-01-01T01:00:00Z"));
    expect(localExpiry(undefined, "soon", 5_000)).toBeUndefined();
  });

  it("is replaced after a 401, and the refused request is sent once more", async () => {
    const cloud = cloudWith();
    await cloud.listImages();
    fake.revoke(fake.issued[0] as string);
    fake.on("GET", "/image/v2/images/i1", () => ({ json: glanceImage("i1") }));
    expect((await cloud.getImage("i1"))?.id).toBe("i1");
    expect(fake.tokenPosts).toBe(2);
    expect(fake.to("/image/v2/images/i1").map((r) => r.headers["x-auth-token"])).toEqual([fake.issued[0], fake.issued[1]]);
  });

  it("is retried once only: a second 401 is the call's error", async () => {
    const cloud = cloudWith();
    fake.on("DELETE", "/image/v2/images/i1", () => ({
      status: 401,
      json: { error: { code: 401, message: "The request you have made requires authentication." } },
    }));
    const error = await cloud.deleteImage("i1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenStackError);
    expect((error as OpenStackError).status).toBe(401);
    expect((error as OpenStackError).message).toBe(
      "Glance DELETE /v2/images/i1: 401 Unauthorized: The request you have made requires authentication.; Glance refused a fresh token as well; check the user's roles in the project",
    );
    expect(fake.to("/image/v2/images/i1")).toHaveLength(2);
    expect(fake.tokenPosts).toBe(2);
  });

  it("is refused by Keystone for a wrong password: the error says what to check", async () => {
    const error = await cloudWith({ OS_PASSWORD: "wrong" })
      .listImages()
      .catch((e: unknown) => e);
    expect((error as OpenStackError).message).toBe(
      "Keystone POST /v3/auth/tokens: 401 Unauthorized: The request you have made requires authentication.; " +
        "check the user, password, project and their domains of the OS_* environment variables",
    );
    expect((error as OpenStackError).service).toBe("identity");
  });

  it("is asked for again on the next call after Keystone failed", async () => {
    const cloud = cloudWith();
    fake.on("POST", "/identity/v3/auth/tokens", () => ({
      status: 503,
      text: "<html><body><h1>503 Service Unavailable</h1>No server is available.</body></html>",
    }));
    await expect(cloud.listImages()).rejects.toThrow("Keystone POST /v3/auth/tokens: 503 Service Unavailable: No server is available.");
    fake.off("POST", "/identity/v3/auth/tokens");
    await expect(cloud.listImages()).resolves.toEqual([]);
    expect(fake.tokenPosts).toBe(2);
  });

  it("must come in X-Subject-Token with a catalog", async () => {
    fake.on("POST", "/identity/v3/auth/tokens", () => ({
      status: 201,
      json: { token: { expires_at: "2099-01-01T00:00:00Z", catalog: [] } },
    }));
    await expect(cloudWith().listImages()).rejects.toThrow(
      "Keystone POST /v3/auth/tokens: 201 answer frost cannot read: no X-Subject-Token header",
    );
    fake.on("POST", "/identity/v3/auth/tokens", () => ({
      status: 201,
      headers: { "X-Subject-Token": "t" },
      json: { token: { expires_at: "2099-01-01T00:00:00Z" } },
    }));
    await expect(cloudWith().listImages()).rejects.toThrow(
      "Keystone POST /v3/auth/tokens: 201 answer frost cannot read: the token has no service catalog",
    );
  });
});

describe("endpoints", () => {
  it("are the public ones by default, the internal ones with OS_INTERFACE=internal", async () => {
    fake.on("GET", `/internal${NOVA}/servers/detail`, () => ({ json: { servers: [] } }));
    await cloudWith().listImages();
    await cloudWith({ OS_INTERFACE: "internal" }).listServers();
    expect(fake.requests.filter((r) => !r.path.startsWith("/identity")).map((r) => r.path)).toEqual([
      "/image/v2/images",
      `/internal/compute/v2.1/${PROJECT_ID}/servers/detail`,
    ]);
  });

  it("are chosen by region, and frost refuses to guess between regions", async () => {
    fake.catalog = () => [
      {
        type: "image",
        endpoints: [
          { interface: "public", region: "RegionOne", url: `${fake.base}/image` },
          { interface: "public", region: "RegionTwo", url: `${fake.base}/r2/image/v2` },
        ],
      },
    ];
    fake.on("GET", "/r2/image/v2/images", () => ({ json: { images: [glanceImage("in-two")] } }));
    expect((await cloudWith({ OS_REGION_NAME: "RegionTwo" }).listImages()).map((i) => i.id)).toEqual(["in-two"]);
    await expect(cloudWith().listImages()).rejects.toThrow(
      "Glance: the catalog's image service has public endpoints in regions RegionOne, RegionTwo; set region_name: (OS_REGION_NAME) to choose one (Keystone's catalog for the OS_* environment variables)",
    );
    await expect(cloudWith({ OS_REGION_NAME: "RegionThree" }).listImages()).rejects.toThrow(
      "Glance: the catalog's image service has no public endpoint in region RegionThree (it has: public in RegionOne, public in RegionTwo)",
    );
  });

  it("of a service the catalog lacks are an error, except Neutron's: no networks then", async () => {
    fake.catalog = () => fake.defaultCatalog().filter((s) => s.type !== "network" && s.type !== "compute");
    const cloud = cloudWith();
    const error = await cloud.listServers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenStackError);
    expect((error as OpenStackError).message).toBe(
      "Nova: the catalog has no compute service (it has: identity, image) (Keystone's catalog for the OS_* environment variables)",
    );
    expect(await cloud.listNetworks()).toEqual([]);
    expect(fake.to("/network")).toEqual([]);
  });

  it("get the API version frost speaks where the catalog has none", () => {
    expect(apiRoot("image", "http://h:9292")).toEqual({ root: "http://h:9292/v2", version: "v2" });
    expect(apiRoot("image", "http://h:9292/v2/")).toEqual({ root: "http://h:9292/v2", version: "v2" });
    expect(apiRoot("image", "https://cloud/image")).toEqual({ root: "https://cloud/image/v2", version: "v2" });
    expect(apiRoot("compute", "http://h:8774/v2.1/abc")).toEqual({ root: "http://h:8774/v2.1/abc", version: "v2.1" });
    expect(apiRoot("compute", "http://h:8774/v2/abc")).toEqual({ root: "http://h:8774/v2.1/abc", version: "v2.1" });
    expect(apiRoot("compute", "http://h:8774/v2.1")).toEqual({ root: "http://h:8774/v2.1", version: "v2.1" });
    expect(apiRoot("network", "http://h:9696/")).toEqual({ root: "http://h:9696/v2.0", version: "v2.0" });
    expect(apiRoot("network", "http://h:9696/v2.0")).toEqual({ root: "http://h:9696/v2.0", version: "v2.0" });
  });

  it("are followed by Nova's paths, with the project id of the catalog URL", async () => {
    await cloudWith().listFlavors();
    expect(fake.to("/compute").map((r) => r.path)).toEqual([`${NOVA}/flavors/detail`]);
  });
});
