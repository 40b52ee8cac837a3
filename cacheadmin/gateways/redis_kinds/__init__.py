"""The one package that knows the kinds of Redis: a single server (standalone, or the
master a Sentinel service names now) and a Redis Cluster.

The kind is chosen once, when an instance's client is built (clients.build_keyspace),
and the rest of the dashboard asks a Keyspace (keyspace.py), never the client's class.
"""
