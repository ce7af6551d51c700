"""The scheduler's optional record of what made each score (``hapy explain``)."""
