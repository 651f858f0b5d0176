import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenStackError, type OpenStackCloud } from "../../../../reconcile/providers/openstack/cloud.js";
import { httpCloud } from "../../../../reconcile/providers/openstack/http/connect.js";
import { FakeOpenStack, NOVA, novaServer } from "./fake-openstack.js";

let fake: FakeOpenStack;
let cloud: OpenStackCloud;

beforeEach(async () => {
  fake = await FakeOpenStack.start();
  cloud = httpCloud({ env: fake.env(), cwd: "/nonexistent", home: "/nonexistent" });
});

afterEach(async () => {
  await fake.close();
});

/** The JSON bodies Nova received at `path` (under its API root). */
const bodies = (path: string) => fake.to(`${NOVA}${path}`).map((r) => JSON.parse(r.body.toString()) as unknown);

describe("Nova", () => {
  it("gets microversion 2.60 in both headers on every call", async () => {
    fake.on("GET", `${NOVA}/servers/s1`, () => ({ json: { server: novaServer("s1") } }));
    fake.on("POST", `${NOVA}/servers`, () => ({ status: 202, json: { server: { id: "s2", adminPass: "x" } } }));
    fake.on("POST", /\/servers\/s1\/(action|metadata)$/, () => ({ status: 202, json: { image_id: "img" } }));
    fake.on("DELETE", `${NOVA}/servers/s1`, () => ({ status: 204 }));
    fake.on("GET", `${NOVA}/servers/s1/os-instance-actions`, () => ({ json: { instanceActions: [] } }));
    fake.on("GET", `${NOVA}/servers/s1/os-instance-actions/req-1`, () => ({
      json: { instanceAction: { action: "createImage", request_id: "req-1", events: [] } },
    }));
    await cloud.listServers();
    await cloud.getServer("s1");
    await cloud.createServer({ name: "web", imageId: "i", flavorId: "f", networks: "none", metadata: {} });
    await cloud.rebuildServer("s1", "i");
    await cloud.startServer("s1");
    await cloud.stopServer("s1");
    await cloud.setServerMetadata("s1", { a: "b" });
    await cloud.createSnapshot("s1", "snap", {});
    await cloud.listInstanceActions("s1");
    await cloud.getInstanceAction("s1", "req-1");
    await cloud.listFlavors();
    await cloud.deleteServer("s1");
    const calls = fake.to("/compute");
    expect(calls).toHaveLength(12);
    for (const r of calls) {
      expect(r.headers["openstack-api-version"], `${r.method} ${r.path}`).toBe("compute 2.60");
      expect(r.headers["x-openstack-nova-api-version"], `${r.method} ${r.path}`).toBe("2.60");
    }
    expect(fake.to("/image").every((r) => r.headers["openstack-api-version"] === undefined)).toBe(true);
  });

  it("lists servers across pages, following servers_links at frost's own endpoint", async () => {
    fake.on("GET", `${NOVA}/servers/detail`, (r) => {
      const marker = r.query.get("marker");
      if (marker === null)
        return {
          json: {
            servers: [novaServer("s1")],
            servers_links: [{ rel: "next", href: "http://nova.internal:8774/v2.1/servers/detail?limit=1&marker=s1" }],
          },
        };
      if (marker === "s1")
        return {
          json: {
            servers: [novaServer("s2")],
            servers_links: [{ rel: "next", href: "http://nova.internal:8774/v2.1/servers/detail?limit=1&marker=s2" }],
          },
        };
      return { json: { servers: [] } };
    });
    expect((await cloud.listServers()).map((s) => s.id)).toEqual(["s1", "s2"]);
    expect(fake.to("/compute").map((r) => `${r.path}?${r.query.toString()}`)).toEqual([
      `${NOVA}/servers/detail?`,
      `${NOVA}/servers/detail?limit=1&marker=s1`,
      `${NOVA}/servers/detail?limit=1&marker=s2`,
    ]);
  });

  it("shows a server in frost's terms: no image for a volume-booted one, the flavor's name, the admin attributes, the fault", async () => {
    fake.on("GET", `${NOVA}/servers/detail`, () => ({
      json: {
        servers: [
          novaServer("s1", { metadata: { frost_created_by: "frost", frost_boot: "x" } }),
          novaServer("s2", {
            status: "ERROR",
            "OS-EXT-STS:task_state": "image_snapshot",
            image: "",
            "OS-EXT-SRV-ATTR:host": undefined,
            "OS-EXT-SRV-ATTR:instance_name": undefined,
            fault: { code: 500, message: "No valid host was found.", created: "2026-11-25T10:00:00Z" },
          }),
        ],
      },
    }));
    expect(await cloud.listServers()).toEqual([
      {
        id: "s1",
        name: "server-s1",
        status: "ACTIVE",
        taskState: null,
        imageId: "img-1",
        flavorName: "frost.tiny",
        createdAt: "2026-11-25T10:00:00Z",
        updatedAt: "2026-11-25T10:01:00Z",
        metadata: { frost_created_by: "frost", frost_boot: "x" },
        computeHost: "compute-1",
        instanceName: "instance-0000002a",
      },
      {
        id: "s2",
        name: "server-s2",
        status: "ERROR",
        taskState: "image_snapshot",
        flavorName: "frost.tiny",
        createdAt: "2026-11-25T10:00:00Z",
        updatedAt: "2026-11-25T10:01:00Z",
        metadata: { frost_created_by: "frost" },
        fault: "No valid host was found.",
      },
    ]);
  });

  it("answers undefined for a server it does not have", async () => {
    fake.on("GET", `${NOVA}/servers/gone`, () => ({
      status: 404,
      json: { itemNotFound: { code: 404, message: "Instance gone could not be found." } },
    }));
    expect(await cloud.getServer("gone")).toBeUndefined();
  });

  it("creates a server without networks, or on the networks given, with its metadata", async () => {
    let n = 0;
    fake.on("POST", `${NOVA}/servers`, () => ({ status: 202, json: { server: { id: `new-${++n}`, adminPass: "ignored" } } }));
    expect(
      await cloud.createServer({ name: "web", imageId: "img", flavorId: "f1", networks: "none", metadata: { frost_created_by: "frost" } }),
    ).toBe("new-1");
    expect(await cloud.createServer({ name: "db", imageId: "img", flavorId: "f1", networks: ["n1", "n2"], metadata: {} })).toBe("new-2");
    expect(bodies("/servers")).toEqual([
      { server: { name: "web", imageRef: "img", flavorRef: "f1", networks: "none", metadata: { frost_created_by: "frost" } } },
      { server: { name: "db", imageRef: "img", flavorRef: "f1", networks: [{ uuid: "n1" }, { uuid: "n2" }], metadata: {} } },
    ]);
  });

  it("rebuilds, starts, stops, sets metadata and deletes with the actions Nova knows", async () => {
    fake.on("POST", `${NOVA}/servers/s1/action`, () => ({ status: 202 }));
    fake.on("POST", `${NOVA}/servers/s1/metadata`, (r) => ({ json: JSON.parse(r.body.toString()) }));
    fake.on("DELETE", `${NOVA}/servers/s1`, () => ({ status: 204 }));
    await cloud.rebuildServer("s1", "img-2");
    await cloud.rebuildServer("s1", "img-3", { frost_boot: "b" });
    await cloud.startServer("s1");
    await cloud.stopServer("s1");
    await cloud.setServerMetadata("s1", { frost_boot: "c" });
    await cloud.deleteServer("s1");
    expect(bodies("/servers/s1/action")).toEqual([
      { rebuild: { imageRef: "img-2" } },
      { rebuild: { imageRef: "img-3", metadata: { frost_boot: "b" } } },
      { "os-start": null },
      { "os-stop": null },
    ]);
    expect(bodies("/servers/s1/metadata")).toEqual([{ metadata: { frost_boot: "c" } }]);
    expect(fake.to(`${NOVA}/servers/s1`).filter((r) => r.method === "DELETE")).toHaveLength(1);
  });

  it("asks for a snapshot with createImage: the image id from the body, the request id from the headers", async () => {
    fake.on("POST", `${NOVA}/servers/s1/action`, () => ({
      status: 202,
      headers: { "x-openstack-request-id": "req-aaa", "x-compute-request-id": "req-bbb" },
      json: { image_id: "snap-1" },
    }));
    expect(await cloud.createSnapshot("s1", "web-2026", { frost_snapshot: "v1" })).toEqual({ imageId: "snap-1", requestId: "req-aaa" });
    expect(bodies("/servers/s1/action")).toEqual([{ createImage: { name: "web-2026", metadata: { frost_snapshot: "v1" } } }]);

    fake.on("POST", `${NOVA}/servers/s1/action`, () => ({
      status: 202,
      headers: { "x-compute-request-id": "req-ccc" },
      json: { image_id: "snap-2" },
    }));
    expect(await cloud.createSnapshot("s1", "web-2027", {})).toEqual({ imageId: "snap-2", requestId: "req-ccc" });

    fake.on("POST", `${NOVA}/servers/s1/action`, () => ({ status: 202, headers: { Location: "http://glance:9292/v2/images/snap-3" } }));
    expect(await cloud.createSnapshot("s1", "web-2028", {})).toEqual({ imageId: "snap-3" });
  });

  it("reads a server's actions, and one with its events", async () => {
    fake.on("GET", `${NOVA}/servers/s1/os-instance-actions`, () => ({
      json: {
        instanceActions: [
          { action: "createImage", request_id: "req-2", start_time: "2026-11-25T10:02:00.000000", message: "Error", user_id: "u" },
          { action: "create", request_id: "req-1", start_time: "2026-11-25T10:00:00.000000", message: null },
        ],
      },
    }));
    fake.on("GET", `${NOVA}/servers/s1/os-instance-actions/req-2`, () => ({
      json: {
        instanceAction: {
          action: "createImage",
          request_id: "req-2",
          start_time: "2026-11-25T10:02:00.000000",
          message: "Error",
          events: [
            { event: "compute_snapshot_instance", result: "Error", finish_time: "2026-11-25T10:02:05.000000", traceback: "Traceback ..." },
          ],
        },
      },
    }));
    expect(await cloud.listInstanceActions("s1")).toEqual([
      { action: "createImage", requestId: "req-2", startTime: "2026-11-25T10:02:00.000000", message: "Error", events: [] },
      { action: "create", requestId: "req-1", startTime: "2026-11-25T10:00:00.000000", message: null, events: [] },
    ]);
    expect(await cloud.getInstanceAction("s1", "req-2")).toEqual({
      action: "createImage",
      requestId: "req-2",
      startTime: "2026-11-25T10:02:00.000000",
      message: "Error",
      events: [
        { event: "compute_snapshot_instance", result: "Error", finishTime: "2026-11-25T10:02:05.000000", traceback: "Traceback ..." },
      ],
    });
  });

  it("lists flavors in detail", async () => {
    fake.on("GET", `${NOVA}/flavors/detail`, () => ({
      json: { flavors: [{ id: "f1", name: "frost.tiny", ram: 256, vcpus: 1, disk: 1, "OS-FLV-EXT-DATA:ephemeral": 0 }] },
    }));
    expect(await cloud.listFlavors()).toEqual([{ id: "f1", name: "frost.tiny", ram: 256, vcpus: 1, disk: 1 }]);
  });

  it("reports the message of its JSON error bodies", async () => {
    fake.on("POST", `${NOVA}/servers/s1/action`, () => ({
      status: 409,
      json: { conflictingRequest: { code: 409, message: "Cannot 'os-start' instance s1 while it is in vm_state active" } },
    }));
    const error = await cloud.startServer("s1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenStackError);
    expect(error).toMatchObject({
      status: 409,
      service: "compute",
      message: "Nova POST /v2.1/servers/s1/action: 409 Conflict: Cannot 'os-start' instance s1 while it is in vm_state active",
    });
    fake.on("POST", `${NOVA}/servers`, () => ({
      status: 400,
      json: { badRequest: { code: 400, message: "Invalid flavorRef provided." } },
    }));
    await expect(cloud.createServer({ name: "x", imageId: "i", flavorId: "nope", networks: "none", metadata: {} })).rejects.toThrow(
      "Nova POST /v2.1/servers: 400 Bad Request: Invalid flavorRef provided.",
    );
  });
});

describe("Neutron", () => {
  it("lists networks by id and name", async () => {
    fake.on("GET", "/network/v2.0/networks", () => ({
      json: {
        networks: [
          { id: "n1", name: "frost-net" },
          { id: "n2", name: "" },
        ],
      },
    }));
    expect(await cloud.listNetworks()).toEqual([
      { id: "n1", name: "frost-net" },
      { id: "n2", name: "" },
    ]);
    expect(fake.to("/network").map((r) => r.query.getAll("fields"))).toEqual([["id", "name"]]);
  });
});
