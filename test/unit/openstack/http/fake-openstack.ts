import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** The password and user the fake Keystone accepts. */
export const PASSWORD = "pw-Zq8!never-shown";
export const PROJECT_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
/** Where the fake Nova's API root is (its catalog URL carries the project id). */
export const NOVA = `/compute/v2.1/${PROJECT_ID}`;

/** One request as the fake received it. */
export interface Received {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type Reply = { status?: number; headers?: Record<string, string>; json?: unknown; text?: string; contentType?: string } | "hang";
export type Handler = (r: Received) => Reply | Promise<Reply>;

/** A catalog entry as Keystone writes it. */
export interface FakeEndpoint {
  interface: string;
  region?: string;
  url: string;
}

/**
 * One node:http(s) server on 127.0.0.1 playing Keystone (`/identity/v3`), Glance (`/image`),
 * Nova (`/compute/v2.1/PROJECT`) and Neutron (`/network`) at the HTTP level: Keystone issues
 * tokens with a catalog pointing back at the server, services refuse tokens it did not issue or
 * that were revoked (401), and tests add handlers per method and path. Every request is recorded.
 */
export class FakeOpenStack {
  readonly requests: Received[] = [];
  /** Tokens issued, in order. */
  readonly issued: string[] = [];
  readonly revoked = new Set<string>();
  /** How long a token lives, in ms (expires_at = now + this). */
  tokenTtlMs = 3_600_000;
  /** How far Keystone's clock is ahead of this machine's (negative: behind). */
  clockSkewMs = 0;
  /** The catalog Keystone hands out; by default each service, public and internal, in RegionOne. */
  catalog: () => { type: string; endpoints: FakeEndpoint[] }[] = () => this.defaultCatalog();
  private readonly routes: { method: string; path: string | RegExp; handler: Handler }[] = [];

  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {
    // Empty listings until a test says otherwise.
    this.on("GET", "/image/v2/images", () => ({ json: { images: [] } }));
    this.on("GET", NOVA + "/servers/detail", () => ({ json: { servers: [] } }));
    this.on("GET", NOVA + "/flavors/detail", () => ({ json: { flavors: [] } }));
    this.on("GET", "/network/v2.0/networks", () => ({ json: { networks: [] } }));
  }

  static async start(tls?: { key: string; cert: string }): Promise<FakeOpenStack> {
    let fake: FakeOpenStack | undefined;
    const listener = (req: IncomingMessage, res: ServerResponse) => void fake?.handle(req, res);
    const server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeOpenStack(server, `${tls ? "https" : "http"}://127.0.0.1:${port}`);
    return fake;
  }

  /** Answers `method path` (exact path, or a pattern) with `handler`; the latest registration wins. */
  on(method: string, path: string | RegExp, handler: Handler): this {
    this.routes.unshift({ method, path, handler });
    return this;
  }

  /** Drops the handlers of `method path` added with `on`. */
  off(method: string, path: string): this {
    for (let i = this.routes.length - 1; i >= 0; i--) {
      const r = this.routes[i];
      if (r && r.method === method && r.path === path) this.routes.splice(i, 1);
    }
    return this;
  }

  /** From now on, services answer 401 to `token`. */
  revoke(token: string): void {
    this.revoked.add(token);
  }

  get authUrl(): string {
    return `${this.base}/identity`;
  }

  /** The requests to a service, by path prefix (`/image`, `/compute`, `/identity`). */
  to(prefix: string): Received[] {
    return this.requests.filter((r) => r.path.startsWith(prefix));
  }

  /** How many tokens Keystone was asked for. */
  get tokenPosts(): number {
    return this.to("/identity/v3/auth/tokens").length;
  }

  /** The OS_* variables of this cloud's user. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      OS_AUTH_URL: this.authUrl,
      OS_USERNAME: "frost",
      OS_PASSWORD: PASSWORD,
      OS_PROJECT_NAME: "snapshots",
      OS_USER_DOMAIN_NAME: "Default",
      OS_PROJECT_DOMAIN_NAME: "Default",
      ...extra,
    };
  }

  defaultCatalog(): { type: string; endpoints: FakeEndpoint[] }[] {
    const both = (path: string): FakeEndpoint[] => [
      { interface: "public", region: "RegionOne", url: `${this.base}${path}` },
      { interface: "internal", region: "RegionOne", url: `${this.base}/internal${path}` },
    ];
    return [
      { type: "identity", endpoints: both("/identity/v3") },
      { type: "image", endpoints: both("/image") },
      { type: "compute", endpoints: both(`/compute/v2.1/${PROJECT_ID}`) },
      { type: "network", endpoints: both("/network") },
    ];
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://fake");
    const received: Received = {
      method: req.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    this.requests.push(received);
    let reply: Reply;
    try {
      reply = await this.answer(received);
    } catch (e) {
      reply = { status: 500, text: `fake: the handler failed: ${(e as Error).message}` };
    }
    if (reply === "hang") return;
    const headers: Record<string, string> = { ...reply.headers };
    let body: string | undefined;
    if (reply.json !== undefined) {
      body = JSON.stringify(reply.json);
      headers["Content-Type"] = reply.contentType ?? "application/json";
    } else if (reply.text !== undefined) {
      body = reply.text;
      headers["Content-Type"] = reply.contentType ?? "text/plain";
    }
    res.writeHead(reply.status ?? 200, headers);
    res.end(body);
  }

  private async answer(r: Received): Promise<Reply> {
    const route = this.routes.find((x) => x.method === r.method && (typeof x.path === "string" ? x.path === r.path : x.path.test(r.path)));
    if (r.method === "POST" && r.path === "/identity/v3/auth/tokens" && !route) return this.keystone(r);
    if (!r.path.startsWith("/identity")) {
      const token = r.headers["x-auth-token"];
      if (typeof token !== "string" || !this.issued.includes(token) || this.revoked.has(token)) {
        return {
          status: 401,
          json: { error: { code: 401, title: "Unauthorized", message: "The request you have made requires authentication." } },
        };
      }
    }
    if (route) return route.handler(r);
    return { status: 404, text: `fake: no handler for ${r.method} ${r.path}` };
  }

  private keystone(r: Received): Reply {
    const body = JSON.parse(r.body.toString("utf8")) as { auth: { identity: { password: { user: { password: string } } } } };
    if (body.auth.identity.password.user.password !== PASSWORD) {
      return {
        status: 401,
        json: { error: { code: 401, title: "Unauthorized", message: "The request you have made requires authentication." } },
      };
    }
    const token = `gAAAAAB-token-${this.issued.length + 1}-Xy7`;
    this.issued.push(token);
    return {
      status: 201,
      headers: { "X-Subject-Token": token },
      json: {
        token: {
          methods: ["password"],
          issued_at: new Date(Date.now() + this.clockSkewMs).toISOString(),
          expires_at: new Date(Date.now() + this.clockSkewMs + this.tokenTtlMs).toISOString(),
          project: { id: PROJECT_ID, name: "snapshots", domain: { id: "default", name: "Default" } },
          catalog: this.catalog().map((s) => ({
            type: s.type,
            name: s.type,
            endpoints: s.endpoints.map((e, i) => ({
              id: `${s.type}-${i}`,
              interface: e.interface,
              region_id: e.region,
              region: e.region,
              url: e.url,
            })),
          })),
        },
      },
    };
  }
}

/** A fresh directory under the system temp dir; `dispose` removes it. */
export async function tempDir(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "frost-openstack-"));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes `text` at `path`, creating directories. */
export async function put(path: string, text: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  return path;
}

/** A Glance image as Glance v2 answers it. */
export function glanceImage(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: `image-${id}`,
    status: "active",
    visibility: "private",
    protected: false,
    os_hidden: false,
    checksum: "d41d8cd98f00b204e9800998ecf8427e",
    os_hash_algo: "sha512",
    os_hash_value: "cf83e1357eefb8bdf1542850d66d8007",
    size: 1024,
    virtual_size: 4096,
    disk_format: "qcow2",
    container_format: "bare",
    min_disk: 0,
    min_ram: 0,
    owner: PROJECT_ID,
    created_at: "2026-11-25T10:00:00Z",
    updated_at: "2026-11-25T10:05:00Z",
    tags: [],
    self: `/v2/images/${id}`,
    file: `/v2/images/${id}/file`,
    schema: "/v2/schemas/image",
    os_glance_import_task: "x",
    ...extra,
  };
}

/** A Nova server as Nova 2.60 answers it in detail. */
export function novaServer(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: `server-${id}`,
    status: "ACTIVE",
    "OS-EXT-STS:task_state": null,
    "OS-EXT-STS:vm_state": "active",
    image: { id: "img-1", links: [] },
    flavor: { original_name: "frost.tiny", vcpus: 1, ram: 256, disk: 1, ephemeral: 0, swap: 0, extra_specs: {} },
    created: "2026-11-25T10:00:00Z",
    updated: "2026-11-25T10:01:00Z",
    metadata: { frost_created_by: "frost" },
    "OS-EXT-SRV-ATTR:host": "compute-1",
    "OS-EXT-SRV-ATTR:instance_name": "instance-0000002a",
    addresses: {},
    links: [],
    ...extra,
  };
}
