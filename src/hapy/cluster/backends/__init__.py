"""Cluster backends other than the embedded one (which lives in :mod:`hapy.cluster.embedded`)."""
