"""The CIB manager: every node holds the CIB, applies changes in the cluster's
total order, and persists it (:mod:`.store`)."""
