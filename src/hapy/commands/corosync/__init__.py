"""Administering a cluster on Corosync 3: ``hapy cluster setup`` (corosync.conf,
authkey and hapy.conf, copied to every node), ``hapy cluster start|stop`` of
corosync and the hapy daemon, and what corosync says of membership and quorum."""
