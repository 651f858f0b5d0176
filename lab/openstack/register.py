#!/usr/bin/python3
"""Idempotent registration for the lab's OpenStack; lab/lib/openstack.sh runs it.

  register.py identity    service project and role, service users, catalog entries
  register.py resources   flavor frost.tiny, network frost-net with a subnet

Settings come from the environment (OS_LAB_*), see os_register in lab/lib/openstack.sh. Plain
REST through a keystoneauth1 session (no client libraries beyond it); each step reads first and
writes only what is missing or different, so a second run changes nothing.
"""
import os
import sys

from keystoneauth1 import session
from keystoneauth1.identity import v3

E = os.environ
REGION = E["OS_LAB_REGION"]
SERVICE_PASSWORD = E["OS_LAB_SERVICE_PASSWORD"]
SERVICE_USERS = ("glance", "placement", "neutron", "nova")
# (name, type, URL): identity itself comes from keystone-manage bootstrap.
CATALOG = [
    ("glance", "image", E["OS_LAB_GLANCE_URL"]),
    ("placement", "placement", E["OS_LAB_PLACEMENT_URL"]),
    ("neutron", "network", E["OS_LAB_NEUTRON_URL"]),
    ("nova", "compute", E["OS_LAB_NOVA_URL"]),
]
FLAVOR = {"name": "frost.tiny", "ram": 256, "vcpus": 1, "disk": 1}
NETWORK = "frost-net"
# TEST-NET-1 (RFC 5737): documentation addresses; no DHCP, nothing is wired anyway.
SUBNET = {"name": "frost-subnet", "ip_version": 4, "cidr": "192.0.2.0/24", "enable_dhcp": False, "gateway_ip": None}


def say(msg):
    print("register: " + msg, flush=True)


auth = v3.Password(
    auth_url=E["OS_LAB_KEYSTONE_URL"] + "/v3",
    username="admin",
    password=E["OS_LAB_ADMIN_PASSWORD"],
    project_name="admin",
    user_domain_name="Default",
    project_domain_name="Default",
)
S = session.Session(auth=auth, timeout=60)


def api(service_type, method, path, **kw):
    kw.setdefault("endpoint_filter", {"service_type": service_type, "interface": "public", "region_name": REGION})
    if service_type == "compute":
        kw.setdefault("headers", {})["OpenStack-API-Version"] = "compute 2.55"
    r = S.request(path, method, raise_exc=True, **kw)
    return r.json() if r.content else None


def ks(method, path, **kw):
    return api("identity", method, path, **kw)


def one(items, what):
    if len(items) > 1:
        sys.exit("register: more than one %s: %s" % (what, [i.get("id") for i in items]))
    return items[0] if items else None


def ensure_named(collection, key, name, body, query=""):
    found = one(ks("GET", "/%s?name=%s%s" % (collection, name, query))[collection], "%s %s" % (key, name))
    if found:
        return found, False
    say("creating %s %s" % (key, name))
    return ks("POST", "/" + collection, json={key: dict(body, name=name)})[key], True


def identity():
    project, _ = ensure_named("projects", "project", "service", {"domain_id": "default", "description": "service users"})
    roles = {r: ensure_named("roles", "role", r, {})[0] for r in ("admin", "service")}
    for name in SERVICE_USERS:
        user, created = ensure_named(
            "users", "user", name, {"domain_id": "default", "password": SERVICE_PASSWORD, "default_project_id": project["id"]},
            "&domain_id=default",
        )
        if not created:
            # Cheaper to set than to find out: keystone cannot tell whether a password matches.
            ks("PATCH", "/users/" + user["id"], json={"user": {"password": SERVICE_PASSWORD}})
        for role in roles.values():
            ks("PUT", "/projects/%s/users/%s/roles/%s" % (project["id"], user["id"], role["id"]))
    for name, stype, url in CATALOG:
        service = one(ks("GET", "/services?type=" + stype)["services"], "service of type " + stype)
        if not service:
            say("creating service %s (%s)" % (name, stype))
            service = ks("POST", "/services", json={"service": {"name": name, "type": stype}})["service"]
        for iface in ("public", "internal", "admin"):
            eps = ks("GET", "/endpoints?service_id=%s&interface=%s&region_id=%s" % (service["id"], iface, REGION))["endpoints"]
            ep = one(eps, "%s endpoint of %s" % (iface, stype))
            if not ep:
                say("creating %s endpoint %s %s" % (iface, stype, url))
                ks("POST", "/endpoints", json={"endpoint": {"service_id": service["id"], "interface": iface,
                                                              "url": url, "region_id": REGION}})
            elif ep["url"] != url:
                say("moving %s endpoint %s to %s" % (iface, stype, url))
                ks("PATCH", "/endpoints/" + ep["id"], json={"endpoint": {"url": url}})


def resources():
    flavors = [f for f in api("compute", "GET", "/flavors/detail?is_public=None")["flavors"] if f["name"] == FLAVOR["name"]]
    flavor = one(flavors, "flavor " + FLAVOR["name"])
    if not flavor:
        say("creating flavor %(name)s (%(ram)s MiB, %(vcpus)s vcpu, %(disk)s GiB)" % FLAVOR)
        api("compute", "POST", "/flavors", json={"flavor": FLAVOR})
    elif any(flavor[k] != v for k, v in FLAVOR.items()):
        # Flavors cannot change; a server may use this one, so it stays.
        say("warning: flavor %s exists with other sizes: %s" % (FLAVOR["name"], {k: flavor[k] for k in FLAVOR}))
    net = one(api("network", "GET", "/v2.0/networks?name=" + NETWORK)["networks"], "network " + NETWORK)
    if not net:
        say("creating network %s" % NETWORK)
        net = api("network", "POST", "/v2.0/networks", json={"network": {"name": NETWORK, "shared": True}})["network"]
    if not api("network", "GET", "/v2.0/subnets?network_id=" + net["id"])["subnets"]:
        say("creating subnet %s %s" % (SUBNET["name"], SUBNET["cidr"]))
        api("network", "POST", "/v2.0/subnets", json={"subnet": dict(SUBNET, network_id=net["id"])})


def main():
    steps = {"identity": identity, "resources": resources}
    if len(sys.argv) != 2 or sys.argv[1] not in steps:
        sys.exit("usage: register.py identity|resources")
    steps[sys.argv[1]]()


if __name__ == "__main__":
    main()
