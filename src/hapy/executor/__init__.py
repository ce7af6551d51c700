"""The executor: runs resource agents (OCF, LSB, systemd, service, nagios) on
this node, enforces timeouts, runs recurring monitors, and turns results into
the ``lrm_rsc_op`` records of the CIB's status section."""
