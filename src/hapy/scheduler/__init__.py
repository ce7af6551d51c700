"""The scheduler (policy engine): ``schedule(cib, now) -> Transition``.

Pure and deterministic: the same CIB snapshot and time always give the same
transition, byte for byte.  See :mod:`hapy.scheduler.run`.
"""
