"""The fencer: runs fence devices (primitives of class ``stonith``) through the
fence-agents protocol when the cluster must power a node off, keeps the
fencing history, and checks devices for the executor's monitors.

* :mod:`.events`: :class:`FenceEvent` (one fencing action, as shared between
  nodes) and the history.
* :mod:`.devices`: a fence device's parameters, split into the agent's and
  the fencer's own ``pcmk_*`` ones, with Pacemaker's defaults.
* :mod:`.hostlists`: ``pcmk_host_list``, ``pcmk_host_map`` and
  ``pcmk_delay_base`` syntax.
* :mod:`.config`: the devices and fencing topology a CIB holds, as seen
  from one node.
* :mod:`.agent`: running a fence agent (key=value on stdin) and reading its
  meta-data.
* :mod:`.targeting`: whether a device can fence a node (``pcmk_host_check``).
* :mod:`.fencer`: :class:`Fencer`, which puts it together.
* :mod:`.requests`: the daemon side of the local socket's ``fence`` and
  ``fence_history`` requests; :mod:`.render`: events as stonith_admin prints them.
* :mod:`.monitoring`: checking a device works (the executor's monitors).
* :mod:`.fence_hapy`, :mod:`.embedded_power`: hapy's own fence agent, which
  powers nodes of an embedded cluster off and on.
"""

from hapy.fencer.events import FenceEvent
from hapy.fencer.fencer import Fencer

__all__ = ["FenceEvent", "Fencer"]
