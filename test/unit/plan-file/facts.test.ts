import { describe, expect, it } from "vitest";
import type { Plan } from "../../../reconcile/model.js";
import type { AnyStep, AnyChange } from "../../support/steps.js";
import { collectFacts, compareFacts, touchedDomains, unrecordedSteps } from "../../../reconcile/plan-file/facts.js";
import { domainFacts } from "../../../reconcile/providers/libvirt/saved-facts.js";
import { devices, frostSnapshot, observedHost, running, shutoff } from "../../support/builders.js";

function change(host: string, address: string, steps: AnyStep[]): AnyChange {
  return { host, address, action: "update", before: {}, after: {}, reason: "", steps, notes: [] };
}

function planOf(...changes: AnyChange[]): Plan {
  return {
    formatVersion: 1,
    createdAt: "2026-11-25T12:00:00.000Z",
    hosts: [],
    changes,
    drift: [],
    remarks: [],
    kept: [],
    diagnostics: [],
    errored: false,
    applyable: true,
  };
}

const apparmor: AnyStep = {
  kind: "apparmor",
  change: {
    action: "update",
    abstraction: "/etc/apparmor.d/abstractions/libvirt-qemu",
    beforeDigest: "a",
    afterDigest: "b",
    rules: [],
    add: ["/var/lib/libvirt/qemu/*.sock rw,"],
    remove: [],
    reload: [],
    enforced: true,
    lines: [],
    notes: [],
  },
};
const defineOther: AnyStep = {
  kind: "define-domain",
  domain: "db",
  spec: {
    name: "db-shadow",
    uuid: "6a1f3c2e-0000-4000-8000-00000000f00d",
    type: "qemu",
    memory: 1024,
    vcpus: 1,
    disk: { pool: "default", volume: "db-0123456789ab.qcow2" },
    agentChannel: false,
    record: { agent: false },
  },
};

/** A plan acting on web and db of host default, and on a server of the cloud. */
const plan = planOf(
  change("default", "instance.web", [
    { kind: "attach-agent-channel", domain: "web", target: { live: true, config: true } },
    { kind: "take-snapshot", domain: "web", request: { name: "nightly-20261125T0200Z", quiesce: "required" } },
  ]),
  change("default", "instance.db", [defineOther, { kind: "thaw", domain: "db" }]),
  change("default", "host.default", [apparmor, { kind: "create-pool", pool: "p", path: "/p" }]),
  change("cloud", "server.s", [{ kind: "openstack-power", server: "s", serverId: "s-1", state: "running" }]),
);

describe("domainFacts", () => {
  it("records what a running domain's changes rely on: state, channel, controller, freeze, its snapshots sorted", () => {
    const web = {
      ...running("web", devices({ controller: true, channel: true, connected: true }), devices({ controller: true })),
      freeze: "thawed" as const,
      snapshots: [frostSnapshot("nightly", "2026-11-25T02:00:00Z"), frostSnapshot("hourly", "2026-11-25T01:00:00Z")],
    };
    expect(domainFacts(web)).toEqual({
      exists: true,
      state: "running",
      liveChannel: true,
      liveAlias: "channel0",
      liveController: true,
      persistentChannel: false,
      freeze: "thawed",
      snapshots: ["hourly-20261125T0100Z", "nightly-20261125T0200Z"],
    });
  });

  it("records no live facts for a shut-off domain, and only its absence for a missing one", () => {
    expect(domainFacts(shutoff("off", devices({ channel: true })))).toEqual({
      exists: true,
      state: "shutoff",
      liveChannel: null,
      liveAlias: null,
      liveController: null,
      persistentChannel: true,
      freeze: null,
      snapshots: [],
    });
    expect(domainFacts(undefined)).toEqual({ exists: false });
  });
});

describe("touchedDomains", () => {
  it("gives, per host, every domain a step acts on, including the name a definition defines", () => {
    expect(touchedDomains(plan)).toEqual(new Map([["default", ["db", "db-shadow", "web"]]]));
  });

  it("leaves out changes made only of OpenStack steps: they check the cloud themselves", () => {
    expect(touchedDomains(plan).has("cloud")).toBe(false);
  });
});

describe("collectFacts and compareFacts", () => {
  const before = observedHost([running("web", devices({ controller: true })), shutoff("db", devices({}))]);

  it("collects the facts of the touched domains from the observation, a missing one as not existing", () => {
    expect(collectFacts(plan, before)).toEqual({
      default: {
        web: domainFacts(running("web", devices({ controller: true }))),
        db: domainFacts(shutoff("db", devices({}))),
        "db-shadow": { exists: false },
      },
    });
  });

  it("finds no difference when nothing changed", () => {
    const facts = collectFacts(plan, before);
    expect(compareFacts(facts, collectFacts(plan, before))).toEqual([]);
  });

  it("names each fact that changed, and a domain that disappeared", () => {
    const saved = collectFacts(plan, before);
    const now = collectFacts(
      plan,
      observedHost([running("web", devices({ controller: true, channel: true, connected: true }), devices({ controller: true }))]),
    );
    expect(compareFacts(saved, now)).toEqual([
      "db on default: exists was true, is now false",
      'db on default: state was "shutoff", is now unset',
      "db on default: liveChannel was null, is now unset",
      "db on default: liveAlias was null, is now unset",
      "db on default: liveController was null, is now unset",
      "db on default: persistentChannel was false, is now unset",
      "db on default: freeze was null, is now unset",
      "db on default: snapshots was [], is now unset",
      "web on default: liveChannel was false, is now true",
      'web on default: liveAlias was null, is now "channel0"',
    ]);
  });

  it("counts a fact trimmed from the saved ones as a difference", () => {
    const saved = collectFacts(plan, before);
    const trimmed = { default: { ...saved["default"], web: { exists: true } } };
    expect(compareFacts(trimmed, collectFacts(plan, before))).toContain('web on default: state was unset, is now "running"');
  });
});

describe("unrecordedSteps", () => {
  const facts = collectFacts(plan, observedHost([running("web", devices({ controller: true })), shutoff("db", devices({}))]));

  it("is empty for the facts collected when the plan was made", () => {
    expect(unrecordedSteps(plan, facts)).toEqual([]);
  });

  it("names every step on a domain when the facts are emptied", () => {
    expect(unrecordedSteps(plan, {}).map((u) => [u.host, u.address, u.domain, u.step.kind])).toEqual([
      ["default", "instance.web", "web", "attach-agent-channel"],
      ["default", "instance.web", "web", "take-snapshot"],
      ["default", "instance.db", "db", "define-domain"],
      ["default", "instance.db", "db-shadow", "define-domain"],
      ["default", "instance.db", "db", "thaw"],
    ]);
  });

  it("names the steps of a domain trimmed from the facts, and of the name a definition defines", () => {
    const { web, ...rest } = facts["default"] ?? {};
    void web;
    expect(unrecordedSteps(plan, { default: rest }).map((u) => `${u.domain} ${u.step.kind}`)).toEqual([
      "web attach-agent-channel",
      "web take-snapshot",
    ]);
    const { "db-shadow": shadow, ...withoutShadow } = facts["default"] ?? {};
    void shadow;
    expect(unrecordedSteps(plan, { default: withoutShadow }).map((u) => `${u.domain} ${u.step.kind}`)).toEqual(["db-shadow define-domain"]);
  });

  it("does not take an inherited property for recorded facts", () => {
    const p = planOf(change("default", "instance.x", [{ kind: "thaw", domain: "toString" }]));
    expect(unrecordedSteps(p, { default: {} }).map((u) => u.domain)).toEqual(["toString"]);
  });
});
