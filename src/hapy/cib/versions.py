"""A CIB's version: (admin_epoch, epoch, num_updates), kept as Pacemaker does.

* ``admin_epoch`` changes only when an administrator sets it;
* ``epoch`` grows by one with every change to the configuration section (and
  ``num_updates`` goes back to 0);
* ``num_updates`` grows by one with every other change (the status section).

Versions compare as tuples: the newest CIB wins when nodes join.
"""

from __future__ import annotations

from typing import NamedTuple

from hapy.cib.xmlio import Element


class CibVersion(NamedTuple):
    admin_epoch: int
    epoch: int
    num_updates: int

    def __str__(self) -> str:
        return f"{self.admin_epoch}.{self.epoch}.{self.num_updates}"


def _int_attr(root: Element, name: str) -> int:
    text = root.get(name, "0")
    try:
        return max(int(text), 0)
    except ValueError:
        return 0


def version_of(root: Element) -> CibVersion:
    return CibVersion(_int_attr(root, "admin_epoch"), _int_attr(root, "epoch"),
                      _int_attr(root, "num_updates"))


def set_version(root: Element, version: CibVersion) -> None:
    root.set("admin_epoch", str(version.admin_epoch))
    root.set("epoch", str(version.epoch))
    root.set("num_updates", str(version.num_updates))


def bump(root: Element, *, configuration_changed: bool) -> CibVersion:
    """Advance the version after a change; returns the new one."""
    old = version_of(root)
    if configuration_changed:
        new = CibVersion(old.admin_epoch, old.epoch + 1, 0)
    else:
        new = CibVersion(old.admin_epoch, old.epoch, old.num_updates + 1)
    set_version(root, new)
    return new
