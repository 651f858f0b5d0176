import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenStackError, type OpenStackCloud } from "../../../../reconcile/providers/openstack/cloud.js";
import { httpCloud } from "../../../../reconcile/providers/openstack/http/connect.js";
import { uploadDeadlineMs } from "../../../../reconcile/providers/openstack/http/glance.js";
import { FakeOpenStack, glanceImage, tempDir } from "./fake-openstack.js";

let fake: FakeOpenStack;
let cloud: OpenStackCloud;

beforeEach(async () => {
  fake = await FakeOpenStack.start();
  cloud = httpCloud({ env: fake.env(), cwd: "/nonexistent", home: "/nonexistent" });
});

afterEach(async () => {
  await fake.close();
});

describe("Glance images", () => {
  it("are listed across pages, following the next links", async () => {
    fake.on("GET", "/image/v2/images", (r) => {
      if (!r.query.has("marker")) return { json: { images: [glanceImage("a"), glanceImage("b")], next: "/v2/images?marker=b&limit=500" } };
      if (r.query.get("marker") === "b") return { json: { images: [glanceImage("c")], next: "/v2/images?marker=c&limit=500" } };
      return { json: { images: [] } };
    });
    expect((await cloud.listImages()).map((i) => i.id)).toEqual(["a", "b", "c"]);
    expect(fake.to("/image").map((r) => r.query.toString())).toEqual(["limit=500", "marker=b&limit=500", "marker=c&limit=500"]);
  });

  it("stop being listed when a next link repeats", async () => {
    fake.on("GET", "/image/v2/images", () => ({ json: { images: [glanceImage("a")], next: "/v2/images?marker=a" } }));
    await expect(cloud.listImages()).rejects.toThrow(
      "Glance GET /v2/images: 200 answer frost cannot read: the next link ?marker=a repeats",
    );
  });

  it("carry every attribute that is not Glance's own as a string property", async () => {
    fake.on("GET", "/image/v2/images/i1", () => ({
      json: glanceImage("i1", {
        hw_qemu_guest_agent: "yes",
        frost_image: "web",
        hw_disk_count: 2,
        os_require_quiesce: true,
        kernel_id: null,
        os_glance_importing_to_stores: "",
        os_glance_failed_import: "",
        stores: "ceph",
        locations: [],
        direct_url: "rbd://x",
        nested: { a: 1 },
      }),
    }));
    expect(await cloud.getImage("i1")).toEqual({
      id: "i1",
      name: "image-i1",
      status: "active",
      diskFormat: "qcow2",
      containerFormat: "bare",
      size: 1024,
      visibility: "private",
      createdAt: "2026-11-25T10:00:00Z",
      updatedAt: "2026-11-25T10:05:00Z",
      properties: { hw_qemu_guest_agent: "yes", frost_image: "web", hw_disk_count: "2", os_require_quiesce: "true", nested: '{"a":1}' },
    });
  });

  it("that do not exist are undefined for getImage", async () => {
    fake.on("GET", /^\/image\/v2\/images\/[^/]+$/, () => ({
      status: 404,
      text: "<html><body><h1>404 Not Found</h1>No image found with ID gone</body></html>",
    }));
    expect(await cloud.getImage("gone")).toBeUndefined();
    expect(fake.to("/image").map((r) => r.path)).toEqual(["/image/v2/images/gone"]);
  });

  it("are created with their properties as top-level attributes", async () => {
    fake.on("POST", "/image/v2/images", (r) => ({
      status: 201,
      json: glanceImage("new", { ...JSON.parse(r.body.toString()), status: "queued", size: null }),
    }));
    const image = await cloud.createImage({
      name: "web",
      diskFormat: "raw",
      containerFormat: "bare",
      properties: { frost_image: "web", hw_qemu_guest_agent: "yes" },
    });
    const post = fake.to("/image")[0];
    expect(post?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(post?.body.toString() ?? "")).toEqual({
      name: "web",
      disk_format: "raw",
      container_format: "bare",
      frost_image: "web",
      hw_qemu_guest_agent: "yes",
    });
    expect(image).toMatchObject({
      id: "new",
      name: "web",
      status: "queued",
      diskFormat: "raw",
      properties: { frost_image: "web", hw_qemu_guest_agent: "yes" },
    });
    expect(image.size).toBeUndefined();
  });

  it("are patched with Glance's JSON-patch media type, the ops as the body, and read back from the answer", async () => {
    fake.on("PATCH", "/image/v2/images/i1", () => ({ json: glanceImage("i1", { os_require_quiesce: "yes" }) }));
    const ops = [
      { op: "add" as const, path: "/os_require_quiesce", value: "yes" },
      { op: "remove" as const, path: "/hw_qemu_guest_agent" },
    ];
    const image = await cloud.patchImage("i1", ops);
    const patch = fake.to("/image")[0];
    expect(patch?.headers["content-type"]).toBe("application/openstack-images-v2.1-json-patch");
    expect(JSON.parse(patch?.body.toString() ?? "")).toEqual(ops);
    expect(image.properties).toEqual({ os_require_quiesce: "yes" });
  });

  it("report Glance's HTML error page as one line", async () => {
    fake.on("PATCH", "/image/v2/images/i1", () => ({
      status: 409,
      contentType: "text/html; charset=UTF-8",
      text: "<html>\n <head>\n  <title>409 Conflict</title>\n </head>\n <body>\n  <h1>409 Conflict</h1>\n  There was a conflict when trying to complete your request.<br /><br />\nProperty os_require_quiesce does not exist.\n\n </body>\n</html>",
    }));
    const error = await cloud.patchImage("i1", [{ op: "remove", path: "/os_require_quiesce" }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenStackError);
    expect(error).toMatchObject({
      status: 409,
      service: "image",
      message:
        "Glance PATCH /v2/images/i1: 409 Conflict: There was a conflict when trying to complete your request. Property os_require_quiesce does not exist.",
    });
  });

  it("are deleted; a 404 is reported, not taken as gone", async () => {
    fake.on("DELETE", "/image/v2/images/i1", () => ({ status: 204 }));
    fake.on("DELETE", "/image/v2/images/i2", () => ({
      status: 404,
      text: "<html><body><h1>404 Not Found</h1>Failed to find image i2 to delete</body></html>",
    }));
    await cloud.deleteImage("i1");
    const error = await cloud.deleteImage("i2").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404, message: "Glance DELETE /v2/images/i2: 404 Not Found: Failed to find image i2 to delete" });
    expect(fake.to("/image").map((r) => `${r.method} ${r.path}`)).toEqual(["DELETE /image/v2/images/i1", "DELETE /image/v2/images/i2"]);
  });
});

describe("an upload", () => {
  it("streams exactly the file's bytes, with their Content-Length, as application/octet-stream", async () => {
    const tmp = await tempDir();
    try {
      const path = join(tmp.dir, "disk.qcow2");
      const data = randomBytes(3 * 1024 * 1024 + 17);
      await writeFile(path, data);
      fake.on("PUT", "/image/v2/images/i1/file", () => ({ status: 204 }));
      await cloud.uploadImage("i1", path, data.length);
      expect(fake.to("/image")).toHaveLength(1);
      const put = fake.to("/image")[0];
      expect(put?.method).toBe("PUT");
      expect(put?.path).toBe("/image/v2/images/i1/file");
      expect(put?.headers["content-type"]).toBe("application/octet-stream");
      expect(put?.headers["content-length"]).toBe(String(data.length));
      expect(put?.headers["transfer-encoding"]).toBeUndefined();
      expect(put?.body.equals(data)).toBe(true);
    } finally {
      await tmp.dispose();
    }
  });

  it("is sent again, whole, when Glance refuses the token", async () => {
    const tmp = await tempDir();
    try {
      const path = join(tmp.dir, "disk.raw");
      const data = randomBytes(256 * 1024);
      await writeFile(path, data);
      await cloud.listImages();
      fake.revoke(fake.issued[0] as string);
      fake.on("PUT", "/image/v2/images/i1/file", () => ({ status: 204 }));
      await cloud.uploadImage("i1", path, data.length);
      const puts = fake.to("/image/v2/images/i1/file");
      expect(puts.map((r) => r.headers["x-auth-token"])).toEqual([fake.issued[0], fake.issued[1]]);
      expect(puts[1]?.body.equals(data)).toBe(true);
    } finally {
      await tmp.dispose();
    }
  });

  it("is refused before sending anything when the file no longer has the planned size", async () => {
    const tmp = await tempDir();
    try {
      const path = join(tmp.dir, "disk.raw");
      await writeFile(path, Buffer.alloc(100));
      await expect(cloud.uploadImage("i1", path, 200)).rejects.toThrow(`${path} has 100 bytes, not the 200 planned`);
      expect(fake.to("/image")).toEqual([]);
    } finally {
      await tmp.dispose();
    }
  });

  it("has a deadline that grows with its size: a second per 8 MiB beyond the request deadline", async () => {
    expect(uploadDeadlineMs(30_000, 0)).toBe(30_000);
    expect(uploadDeadlineMs(30_000, 80 * 1024 * 1024)).toBe(110_000);
    expect(uploadDeadlineMs(30_000, 80 * 1024 * 1024 + 1)).toBe(111_000);
    const tmp = await tempDir();
    try {
      const short = httpCloud({ env: fake.env(), cwd: "/nonexistent", home: "/nonexistent", requestTimeoutMs: 300 });
      const path = join(tmp.dir, "disk.raw");
      await writeFile(path, Buffer.alloc(1024));
      const slow = () =>
        new Promise<{ status: number; json: unknown }>((resolve) => setTimeout(() => resolve({ status: 200, json: { images: [] } }), 700));
      fake.on("PUT", "/image/v2/images/i1/file", async () => ({ ...(await slow()), status: 204, json: undefined }));
      fake.on("GET", "/image/v2/images", slow);
      await expect(short.uploadImage("i1", path, 1024)).resolves.toBeUndefined();
      await expect(short.listImages()).rejects.toThrow("Glance GET /v2/images: no complete answer within 300 ms");
    } finally {
      await tmp.dispose();
    }
  });
});
