"""The controller: DC election, node membership in the CIB, scheduler runs on
every relevant change, and transitions executed through the one graph runner
with real actions on the right nodes."""
