"""crm_simulate: schedule a CIB, execute the transition with fake actions,
show the result."""
