import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadCredentials } from "../../../../reconcile/providers/openstack/auth/load.js";
import type { OpenStackCloud } from "../../../../reconcile/providers/openstack/cloud.js";
import { httpCloud } from "../../../../reconcile/providers/openstack/http/connect.js";
import { FakeOpenStack, NOVA, PASSWORD, put, tempDir } from "./fake-openstack.js";

/** A token written into clouds.yaml (auth_type token, which frost refuses). */
const YAML_TOKEN = "gAAAAAB-yaml-token-Qw3";

let fake: FakeOpenStack;
let tmp: { dir: string; dispose(): Promise<void> };

beforeEach(async () => {
  fake = await FakeOpenStack.start();
  tmp = await tempDir();
});

afterEach(async () => {
  await fake.close();
  await tmp.dispose();
});

/** Every secret of the test: the password, the token of clouds.yaml, every token Keystone issued. */
const secrets = () => [PASSWORD, YAML_TOKEN, ...fake.issued];

/** The error `run` fails with (it must fail), checked for every secret in its message, its string form and its inspection. */
async function failure(run: () => Promise<unknown>): Promise<string> {
  let error: unknown;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  expect(error, "the call should have failed").toBeInstanceOf(Error);
  const e = error as Error;
  expect(e.message.length).toBeGreaterThan(0);
  for (const text of [e.message, String(e), inspect(e, { depth: 5 }), JSON.stringify(e)]) {
    for (const secret of secrets()) expect(text, `${e.message}`).not.toContain(secret);
  }
  return e.message;
}

const envCloud = (extra: Record<string, string> = {}, timeoutMs?: number): OpenStackCloud =>
  httpCloud({ env: fake.env(extra), cwd: tmp.dir, home: tmp.dir, ...(timeoutMs !== undefined ? { requestTimeoutMs: timeoutMs } : {}) });

const yamlCloud = async (yaml: string, file = "clouds.yaml"): Promise<OpenStackCloud> => {
  await put(join(tmp.dir, file), yaml);
  return httpCloud({ cloud: "lab", env: {}, cwd: tmp.dir, home: tmp.dir });
};

describe("secrets", () => {
  it("are absent from every credentials error", async () => {
    const messages = [
      await failure(() => envCloud({ OS_AUTH_URL: "" }).listImages()),
      await failure(() => envCloud({ OS_AUTH_TYPE: "token", OS_TOKEN: YAML_TOKEN }).listImages()),
      await failure(() => envCloud({ OS_AUTH_URL: `${fake.authUrl}/v2.0` }).listImages()),
      await failure(async () =>
        (
          await yamlCloud(
            `clouds:\n  lab:\n    auth_type: token\n    auth:\n      auth_url: ${fake.authUrl}\n      token: ${YAML_TOKEN}\n      password: "${PASSWORD}"\n`,
          )
        ).listImages(),
      ),
      await failure(async () =>
        (await yamlCloud(`clouds:\n  lab:\n    auth:\n      auth_url: ${fake.authUrl}\n      password: "${PASSWORD}"\n`)).listImages(),
      ),
      await failure(async () =>
        (await yamlCloud(`clouds:\n  lab:\n    auth:\n      auth_url: ${fake.authUrl}\n      password: ${PASSWORD}: x\n`)).listImages(),
      ),
      await failure(async () =>
        (await yamlCloud(`clouds:\n  lab:\n    auth:\n      password: "${PASSWORD}"\n  : [\n`, "secure.yaml")).listServers(),
      ),
      await failure(async () => (await yamlCloud(`clouds:\n  other:\n    auth:\n      password: "${PASSWORD}"\n`)).listServers()),
      await failure(() => envCloud({ OS_CACERT: join(tmp.dir, "missing.pem") }).listImages()),
      await failure(() => loadCredentials({ env: { OS_PASSWORD: PASSWORD }, cwd: tmp.dir, home: tmp.dir })),
    ];
    expect(messages[0]).toContain("missing OS_AUTH_URL");
    expect(messages[5]).toContain("not valid YAML");
  });

  it("are absent from Keystone's errors, even when its answer echoes the password", async () => {
    fake.on("POST", "/identity/v3/auth/tokens", (r) => ({
      status: 401,
      json: { error: { code: 401, message: `bad credentials: ${r.body.toString()}` } },
    }));
    const message = await failure(() => envCloud().listImages());
    expect(message).toContain('"password":"***"');
    fake.on("POST", "/identity/v3/auth/tokens", () => ({ status: 500, text: `<html><body>internal error for ${PASSWORD}</body></html>` }));
    expect(await failure(() => envCloud().listImages())).toContain("internal error for ***");
    fake.on("POST", "/identity/v3/auth/tokens", () => "hang");
    await failure(() => envCloud({}, 150).listImages());
  });

  it("are absent from the services' errors, even when an answer echoes the token", async () => {
    const echo = (r: { headers: Record<string, unknown> }) => `token ${String(r.headers["x-auth-token"])} password ${PASSWORD}`;
    fake.on("GET", "/image/v2/images", (r) => ({ status: 500, json: { computeFault: { message: echo(r) } } }));
    fake.on("GET", `${NOVA}/servers/detail`, (r) => ({ text: echo(r) }));
    fake.on("DELETE", "/image/v2/images/i1", (r) => ({ status: 401, text: echo(r) }));
    fake.on("GET", `${NOVA}/flavors/detail`, () => "hang");
    const cloud = envCloud({}, 200);
    expect(await failure(() => cloud.listImages())).toBe("Glance GET /v2/images: 500 Internal Server Error: token *** password ***");
    expect(await failure(() => cloud.listServers())).toContain('the body is not JSON ("token *** password ***")');
    expect(await failure(() => cloud.deleteImage("i1"))).toContain("401 Unauthorized: token *** password ***");
    await failure(() => cloud.listFlavors());
    expect(fake.issued.length).toBeGreaterThan(1);
  });

  it("are absent from connection and catalog errors", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await failure(() => envCloud({ OS_AUTH_URL: `http://127.0.0.1:${port}` }).listImages());
    fake.catalog = () => [{ type: "image", endpoints: [{ interface: "public", url: `http://127.0.0.1:${port}` }] }];
    await failure(() => envCloud().listImages());
    await failure(() => envCloud().listServers());
    await failure(() => envCloud().uploadImage("i1", join(tmp.dir, "missing.raw"), 10));
  });

  it("are not shown when the cloud or its credentials are printed", async () => {
    const cloud = envCloud();
    await cloud.listImages();
    for (const text of [inspect(cloud, { depth: 10, showHidden: true }), JSON.stringify(cloud)]) {
      for (const secret of secrets()) expect(text).not.toContain(secret);
    }
    const credentials = await loadCredentials({ env: fake.env(), cwd: tmp.dir, home: tmp.dir });
    expect(credentials.password.reveal()).toBe(PASSWORD);
    for (const text of [inspect(credentials, { depth: 10 }), JSON.stringify(credentials), `${credentials.password}`]) {
      expect(text).not.toContain(PASSWORD);
    }
    expect(JSON.stringify(credentials)).toContain('"password":"***"');
  });
});
