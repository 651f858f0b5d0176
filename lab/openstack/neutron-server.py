#!/usr/bin/python3
"""neutron-server as Debian's /usr/bin/neutron-server starts it, plus a fix (lab/lib/openstack.sh).

Neutron Zed bug: GET /v2.0/ports (Nova calls it on every GET /servers/ID and server delete)
reads the class attributes Port.port_forwardings and Port.distributed_port_binding before its
first query. Both are backrefs, declared by model modules that other code imports (the first only
by the L3 service plugin), and SQLAlchemy adds backrefs only when it configures the mappers, at
the first query. Without L3 (this lab) a freshly started server answers every port list with
HTTP 500 "AttributeError: type object 'Port' has no attribute 'port_forwardings'" until some
network or port write happens to import the module and run a query. The fix: import every model
(as neutron-db-manage does) and configure the mappers before the server starts.
"""
import sys

# First, as in /usr/bin/neutron-server: importing neutron.cmd.eventlet monkey-patches eventlet.
from neutron.cmd.eventlet.server import main

import neutron.db.migration.models.head  # noqa: E402,F401
from sqlalchemy import orm  # noqa: E402

orm.configure_mappers()

if __name__ == "__main__":
    sys.exit(main())
