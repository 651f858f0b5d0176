#!/usr/bin/python3
"""Deletes Nova servers through the API and waits until Nova no longer has them; lab/lib/openstack.sh
runs it for the servers whose libvirt domains are gone (see os_delete_lost_servers).

  delete-servers.py UUID...

Through the API, not the database: Nova then frees the servers' ports, placement allocations and
instance files. Settings come from the environment (OS_LAB_KEYSTONE_URL, OS_LAB_ADMIN_PASSWORD,
OS_LAB_REGION), as for register.py.
"""
import os
import sys
import time

from keystoneauth1 import session
from keystoneauth1.exceptions.http import NotFound
from keystoneauth1.identity import v3

# Nova deletes a server whose domain is gone in 2-4 s here; a stuck one fails the lab loudly.
DEADLINE_S = 120

E = os.environ


def say(msg):
    print("delete-servers: " + msg, flush=True)


def main():
    ids = sys.argv[1:]
    if not ids:
        sys.exit("usage: delete-servers.py UUID...")
    auth = v3.Password(
        auth_url=E["OS_LAB_KEYSTONE_URL"] + "/v3",
        username="admin",
        password=E["OS_LAB_ADMIN_PASSWORD"],
        project_name="admin",
        user_domain_name="Default",
        project_domain_name="Default",
    )
    s = session.Session(auth=auth, timeout=60)
    compute = {"service_type": "compute", "interface": "public", "region_name": E["OS_LAB_REGION"]}
    for uuid in ids:
        try:
            s.delete("/servers/" + uuid, endpoint_filter=compute)
            say("asked Nova to delete server %s" % uuid)
        except NotFound:
            say("server %s is already gone" % uuid)
    left = set(ids)
    t0 = time.monotonic()
    while left:
        for uuid in sorted(left):
            try:
                server = s.get("/servers/" + uuid, endpoint_filter=compute).json()["server"]
            except NotFound:
                left.discard(uuid)
                say("deleted server %s" % uuid)
                continue
            if server["status"] == "ERROR":
                sys.exit("delete-servers: server %s is in ERROR while being deleted: %s" % (uuid, server.get("fault")))
        if left and time.monotonic() - t0 > DEADLINE_S:
            sys.exit("delete-servers: Nova still has %s after %d s" % (", ".join(sorted(left)), DEADLINE_S))
        if left:
            time.sleep(0.5)


if __name__ == "__main__":
    main()
