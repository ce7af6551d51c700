"""The attribute manager (attrd): transient node attributes, kept in step on
every node and written to the CIB by one elected writer."""
