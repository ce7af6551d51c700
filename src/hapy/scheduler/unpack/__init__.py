"""CIB model -> working set: nodes, resources, constraints and op history."""
