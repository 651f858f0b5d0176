import { createServer } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenStackError } from "../../../../reconcile/providers/openstack/cloud.js";
import { httpCloud } from "../../../../reconcile/providers/openstack/http/connect.js";
import { errorMessage, MAX_MESSAGE } from "../../../../reconcile/providers/openstack/http/error-body.js";
import { createTransport } from "../../../../reconcile/providers/openstack/http/transport.js";
import { FakeOpenStack, put, tempDir } from "./fake-openstack.js";
import { SERVER_CERT, SERVER_KEY, TEST_CA } from "./tls-fixture.js";

/** A port on 127.0.0.1 where nothing listens (it did a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("a request", () => {
  let fake: FakeOpenStack;
  beforeEach(async () => {
    fake = await FakeOpenStack.start();
  });
  afterEach(async () => {
    await fake.close();
  });

  it("that gets no answer is abandoned at frost's deadline, naming the service, method and path", async () => {
    fake.on("GET", "/image/v2/images", () => "hang");
    const cloud = httpCloud({ env: fake.env(), cwd: "/nonexistent", home: "/nonexistent", requestTimeoutMs: 250 });
    const started = Date.now();
    const error = await cloud.listImages().catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(OpenStackError);
    expect(error).toMatchObject({
      status: 0,
      service: "image",
      message:
        "Glance GET /v2/images: no complete answer within 250 ms (frost's request deadline), the request was abandoned; check that Glance runs and is not overloaded, or give frost a longer deadline",
    });
    expect(took).toBeGreaterThanOrEqual(240);
    expect(took).toBeLessThan(2000);
  });

  it("to Keystone has the deadline too", async () => {
    fake.on("POST", "/identity/v3/auth/tokens", () => "hang");
    const cloud = httpCloud({ env: fake.env(), cwd: "/nonexistent", home: "/nonexistent", requestTimeoutMs: 200 });
    await expect(cloud.listServers()).rejects.toThrow("Keystone POST /v3/auth/tokens: no complete answer within 200 ms");
  });

  it("to an endpoint where nothing listens names the URL and says what to check", async () => {
    const port = await closedPort();
    fake.catalog = () => [{ type: "image", endpoints: [{ interface: "public", url: `http://127.0.0.1:${port}/image` }] }];
    const cloud = httpCloud({ env: fake.env(), cwd: "/nonexistent", home: "/nonexistent" });
    await expect(cloud.getImage("i1")).rejects.toThrow(
      `Glance GET /v2/images/i1: cannot connect to http://127.0.0.1:${port}/image/v2/images/i1 (ECONNREFUSED); ` +
        "check the endpoint in the catalog (openstack endpoint list --service image), and that Glance runs and listens there",
    );
  });

  it("to a Keystone where nothing listens points at auth_url", async () => {
    const port = await closedPort();
    const cloud = httpCloud({ env: fake.env({ OS_AUTH_URL: `http://127.0.0.1:${port}` }), cwd: "/nonexistent", home: "/nonexistent" });
    await expect(cloud.listImages()).rejects.toThrow(
      `Keystone POST /v3/auth/tokens: cannot connect to http://127.0.0.1:${port}/v3/auth/tokens (ECONNREFUSED); check auth_url (OS_AUTH_URL)`,
    );
  });

  it("answered with something that is not JSON says so", async () => {
    fake.on("GET", "/image/v2/images", () => ({ text: "<html>maintenance</html>" }));
    const cloud = httpCloud({ env: fake.env(), cwd: "/nonexistent", home: "/nonexistent" });
    await expect(cloud.listImages()).rejects.toThrow(
      'Glance GET /v2/images: 200 answer frost cannot read: the body is not JSON ("<html>maintenance</html>")',
    );
  });
});

describe("a kept-alive connection the server closed", () => {
  /** An HTTP/1.1 server that answers the first request of each connection and drops the connection at the second. */
  async function droppingServer(): Promise<{ url: URL; connections: () => number; close(): Promise<void> }> {
    let connections = 0;
    const sockets = new Set<Socket>();
    const server = createNetServer((socket) => {
      connections++;
      sockets.add(socket);
      let requests = 0;
      let buffer = "";
      socket.on("data", (chunk) => {
        buffer += chunk.toString("latin1");
        while (buffer.includes("\r\n\r\n")) {
          buffer = buffer.slice(buffer.indexOf("\r\n\r\n") + 4);
          if (++requests > 1) return void socket.destroy();
          socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}");
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: new URL(`http://127.0.0.1:${port}/x`),
      connections: () => connections,
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  it("is replaced by a new one for a request that may be repeated, once", async () => {
    const server = await droppingServer();
    try {
      const transport = await createTransport({ verify: true }, "test");
      const get = { method: "GET", url: server.url, headers: {}, timeoutMs: 2000 };
      expect((await transport(get)).status).toBe(200);
      expect((await transport(get)).status).toBe(200);
      expect(server.connections()).toBe(2);
    } finally {
      await server.close();
    }
  });

  it("is not, for a POST: the error says the connection closed", async () => {
    const server = await droppingServer();
    try {
      const transport = await createTransport({ verify: true }, "test");
      const post = { method: "POST", url: server.url, headers: {}, body: Buffer.from("{}"), timeoutMs: 2000 };
      expect((await transport(post)).status).toBe(200);
      await expect(transport(post)).rejects.toMatchObject({ failure: "reset" });
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe("https", () => {
  let fake: FakeOpenStack;
  let tmp: { dir: string; dispose(): Promise<void> };
  beforeEach(async () => {
    fake = await FakeOpenStack.start({ key: SERVER_KEY, cert: SERVER_CERT });
    tmp = await tempDir();
  });
  afterEach(async () => {
    await fake.close();
    await tmp.dispose();
  });

  it("refuses a certificate nobody trusts, and says to set cacert or verify: false", async () => {
    const cloud = httpCloud({ env: fake.env(), cwd: "/nonexistent", home: "/nonexistent" });
    const error = await cloud.listImages().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /^Keystone POST \/v3\/auth\/tokens: TLS with https:\/\/127\.0\.0\.1:\d+\/identity\/v3\/auth\/tokens failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    );
    expect((error as Error).message).toContain(
      "set cacert: (OS_CACERT) to the CA that signed Keystone's certificate, or verify: false (OS_INSECURE=true)",
    );
  });

  it("trusts the CA of cacert (besides the system's)", async () => {
    const ca = await put(join(tmp.dir, "ca.pem"), TEST_CA);
    await put(
      join(tmp.dir, "clouds.yaml"),
      `clouds:\n  tls:\n    cacert: ca.pem\n    auth:\n      auth_url: ${fake.authUrl}\n      user_id: u\n      password: "${fake.env()["OS_PASSWORD"]}"\n      project_id: p\n`,
    );
    expect(await httpCloud({ cloud: "tls", env: {}, cwd: tmp.dir, home: tmp.dir }).listImages()).toEqual([]);
    expect(await httpCloud({ env: fake.env({ OS_CACERT: ca }), cwd: "/nonexistent", home: "/nonexistent" }).listServers()).toEqual([]);
    expect(fake.tokenPosts).toBe(2);
  });

  it("skips the check with OS_INSECURE or verify: false", async () => {
    expect(await httpCloud({ env: fake.env({ OS_INSECURE: "true" }), cwd: "/nonexistent", home: "/nonexistent" }).listImages()).toEqual([]);
    await put(
      join(tmp.dir, "clouds.yaml"),
      `clouds:\n  tls:\n    verify: false\n    auth:\n      auth_url: ${fake.authUrl}\n      user_id: u\n      password: "${fake.env()["OS_PASSWORD"]}"\n      project_id: p\n`,
    );
    expect(await httpCloud({ cloud: "tls", env: {}, cwd: tmp.dir, home: tmp.dir }).listFlavors()).toEqual([]);
  });

  it("reports a cacert that cannot be read", async () => {
    const missing = join(tmp.dir, "nope.pem");
    await expect(
      httpCloud({ env: fake.env({ OS_CACERT: missing }), cwd: "/nonexistent", home: "/nonexistent" }).listImages(),
    ).rejects.toThrow(
      `the CA file ${missing} (cacert of the OS_* environment variables) cannot be read (ENOENT); fix the path or remove it`,
    );
  });
});

describe("error bodies", () => {
  it("of Glance are HTML pages: their text without the repeated status", () => {
    const html =
      "<html>\n <head>\n  <title>413 Request Entity Too Large</title>\n </head>\n <body>\n  <h1>413 Request Entity Too Large</h1>\n  Image storage media is full: There is not enough disk space on the image storage media.<br /><br />\n\n </body>\n</html>";
    expect(errorMessage(html)).toBe("Image storage media is full: There is not enough disk space on the image storage media.");
  });

  it("of Nova, Keystone and Neutron are JSON: their message", () => {
    expect(errorMessage('{"itemNotFound": {"code": 404, "message": "Image not found."}}')).toBe("Image not found.");
    expect(
      errorMessage('{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}'),
    ).toBe("The request you have made requires authentication.");
    expect(errorMessage('{"NeutronError": {"type": "NetworkNotFound", "message": "Network n1 could not be found.", "detail": ""}}')).toBe(
      "Network n1 could not be found.",
    );
    expect(errorMessage('{"title": "Bad Request", "description": "x"}')).toBe("Bad Request");
  });

  it("are one line, entities decoded, cut at MAX_MESSAGE; empty says nothing", () => {
    expect(errorMessage("line one\n\n   line  two\t")).toBe("line one line two");
    expect(errorMessage("<p>a &amp; b &lt;c&gt; &#39;d&#39; &#x41;</p>")).toBe("a & b <c> 'd' A");
    const long = errorMessage("x".repeat(1000));
    expect(long).toHaveLength(MAX_MESSAGE);
    expect(long.endsWith("…")).toBe(true);
    expect(errorMessage("  ")).toBe("");
    expect(errorMessage("{not json")).toBe("{not json");
  });
});
