"""hapy: a high-availability cluster resource manager, a drop-in for Pacemaker 2.1.5."""

__version__ = "0.1.0"
