"""Actions (start, stop, promote, probes, monitors, fencing...) and the
orderings between them."""
