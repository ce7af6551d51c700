"""The CIB: its XML, parsed model, rules, dates and scores."""
