"""Assignment: choosing a node (and role) for every resource."""
