"""The transition graph model, as Pacemaker's scheduler writes it.

A graph is a list of synapses; each synapse holds one action (its
``action_set``) and the actions it waits for (its ``inputs``).  Actions are
resource operations (``rsc_op``), pseudo-events that only order others
(``pseudo_event``) and cluster events such as fencing (``crm_event``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from hapy.records import field, record


class ActionKind(enum.Enum):
    RSC_OP = "rsc_op"
    PSEUDO = "pseudo_event"
    CRM_EVENT = "crm_event"


@record
class ResourceRef:
    """The ``<primitive>`` element inside an ``rsc_op``."""

    id: str
    rclass: str
    type: str
    provider: str | None = None
    long_id: str | None = None  # clone instance name, written as long-id when it differs


@record
class DownedNode:
    """A node that a fencing action or shutdown takes down (``<downed><node id/>``)."""

    id: str


def _frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@record
class GraphAction:
    """One action of the transition.

    ``attributes`` holds exactly what Pacemaker writes in the action's
    ``<attributes>`` element: the ``CRM_meta_*`` entries, ``crm_feature_set``
    and the resource's instance parameters.  Names starting with a digit are
    not valid XML attribute names; the writer turns them into ``<param name
    value>`` children of ``<attributes>``, in the mapping's order (Pacemaker
    uses its hash-table order there), and the reader puts them back here.
    """

    id: int
    kind: ActionKind
    operation: str
    operation_key: str
    on_node: str | None = None
    on_node_uuid: str | None = None
    router_node: str | None = None
    resource: ResourceRef | None = None
    attributes: Mapping[str, str] = field(default_factory=_frozen)
    downed: tuple[DownedNode, ...] = ()
    priority: int = 0
    # Written only when set: the clone-instance form of the key
    # (``myclone:1_stop_0`` for ``operation_key="myclone_stop_0"``), the
    # ``mode`` of a crm_event (``mode="cib"`` for a CIB-only ``lrm_delete``) and
    # the ``shutdown-lock`` timestamp of a stop done under a shutdown lock.
    internal_operation_key: str | None = None
    mode: str | None = None
    shutdown_lock: str | None = None

    @property
    def is_pseudo(self) -> bool:
        return self.kind is ActionKind.PSEUDO

    @property
    def interval_ms(self) -> int:
        try:
            return int(self.attributes.get("CRM_meta_interval", "0"))
        except ValueError:
            return 0

    def describe(self) -> str:
        if self.on_node:
            return f"{self.operation_key} on {self.on_node}"
        return self.operation_key


@record
class Synapse:
    """An action and the ids of the actions that must complete before it."""

    id: int
    action: GraphAction
    inputs: tuple[int, ...] = ()
    priority: int = 0


@record
class TransitionGraph:
    """The whole graph.  ``attributes`` are the ``<transition_graph>`` attributes
    in the order Pacemaker writes them (cluster-delay, stonith-timeout, ...)."""

    synapses: tuple[Synapse, ...]
    attributes: tuple[tuple[str, str], ...] = ()

    @property
    def actions(self) -> dict[int, GraphAction]:
        return {s.action.id: s.action for s in self.synapses}
