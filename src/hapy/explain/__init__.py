"""``hapy explain``: what made a resource's scores, from the scheduler's own run."""
