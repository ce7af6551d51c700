"""The typed, immutable CIB model.

Everything the scheduler and the tools read from a CIB is here, as frozen
records (hapy.records) built by :mod:`hapy.cib.parse`.  Attribute sets keep their rules
(``NvSet``): which values apply depends on the node, the time and the
resource, so they are evaluated where that context is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from hapy.cib.nvsets import NvSet
from hapy.cib.rules import Rule
from hapy.records import field, record


def frozen_map(items: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(items or {}))


# --------------------------------------------------------------------------
# configuration: resources


@record
class OpConfig:
    """An ``<op>`` of a primitive's ``<operations>``."""

    id: str
    name: str
    interval_ms: int
    attrs: Mapping[str, str]  # every XML attribute as written (timeout, on-fail, role...)
    meta_sets: tuple[NvSet, ...] = ()
    instance_sets: tuple[NvSet, ...] = ()

    @property
    def role(self) -> str | None:
        return self.attrs.get("role")

    @property
    def enabled(self) -> bool:
        return self.attrs.get("enabled", "true").lower() not in ("false", "no", "0", "off")


@record
class PrimitiveConfig:
    id: str
    rclass: str
    type: str
    provider: str | None
    instance_sets: tuple[NvSet, ...] = ()
    meta_sets: tuple[NvSet, ...] = ()
    utilization_sets: tuple[NvSet, ...] = ()
    ops: tuple[OpConfig, ...] = ()
    description: str | None = None

    @property
    def agent(self) -> str:
        if self.provider:
            return f"{self.rclass}:{self.provider}:{self.type}"
        return f"{self.rclass}:{self.type}"


@record
class GroupConfig:
    id: str
    children: tuple[PrimitiveConfig, ...]
    meta_sets: tuple[NvSet, ...] = ()
    instance_sets: tuple[NvSet, ...] = ()
    description: str | None = None


@record
class CloneConfig:
    id: str
    child: PrimitiveConfig | GroupConfig
    meta_sets: tuple[NvSet, ...] = ()
    instance_sets: tuple[NvSet, ...] = ()
    description: str | None = None


@record
class BundleConfig:
    id: str
    container_kind: str  # docker, podman or rkt
    container_attrs: Mapping[str, str]
    network_attrs: Mapping[str, str]
    port_mappings: tuple[Mapping[str, str], ...]
    storage_mappings: tuple[Mapping[str, str], ...]
    child: PrimitiveConfig | None
    meta_sets: tuple[NvSet, ...] = ()
    description: str | None = None


ResourceConfig = PrimitiveConfig | GroupConfig | CloneConfig | BundleConfig


# --------------------------------------------------------------------------
# configuration: constraints


@record
class ResourceSet:
    id: str
    resources: tuple[str, ...]
    sequential: bool | None = None
    require_all: bool = True
    ordering: str | None = None
    action: str | None = None
    role: str | None = None
    score: str | None = None
    kind: str | None = None


@record
class LocationConstraint:
    id: str
    rsc: str | None
    rsc_pattern: str | None
    sets: tuple[ResourceSet, ...]
    node: str | None
    score: str | None
    rules: tuple[Rule, ...]
    role: str | None
    resource_discovery: str | None


@record
class ColocationConstraint:
    id: str
    rsc: str | None
    with_rsc: str | None
    score: str | None
    rsc_role: str | None
    with_rsc_role: str | None
    node_attribute: str | None
    influence: str | None
    sets: tuple[ResourceSet, ...]
    rsc_instance: str | None = None
    with_rsc_instance: str | None = None


@record
class OrderConstraint:
    id: str
    first: str | None
    then: str | None
    first_action: str | None
    then_action: str | None
    kind: str | None
    score: str | None
    symmetrical: str | None
    require_all: str | None
    sets: tuple[ResourceSet, ...]
    first_instance: str | None = None
    then_instance: str | None = None


@record
class TicketConstraint:
    id: str
    rsc: str | None
    rsc_role: str | None
    ticket: str
    loss_policy: str | None
    sets: tuple[ResourceSet, ...]


Constraint = LocationConstraint | ColocationConstraint | OrderConstraint | TicketConstraint


# --------------------------------------------------------------------------
# configuration: nodes, fencing topology, tags


@record
class NodeConfig:
    id: str
    uname: str
    type: str  # member, remote, ping
    attribute_sets: tuple[NvSet, ...] = ()
    utilization_sets: tuple[NvSet, ...] = ()
    score: str | None = None


@record
class FencingLevel:
    id: str
    target: str | None
    target_pattern: str | None
    target_attribute: str | None
    target_value: str | None
    index: int
    devices: tuple[str, ...]


# --------------------------------------------------------------------------
# status


@record
class LrmOp:
    """One ``<lrm_rsc_op>``: the last result of an operation on a node."""

    id: str
    operation: str
    call_id: int
    rc_code: int
    op_status: int
    interval_ms: int
    attrs: Mapping[str, str]  # every XML attribute (digests, transition keys, times...)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)


@record
class LrmResource:
    id: str
    rclass: str | None
    type: str | None
    provider: str | None
    container: str | None
    ops: tuple[LrmOp, ...]
    shutdown_lock: str | None = None  # when a clean shutdown locked it to this node


@record
class NodeState:
    id: str
    uname: str | None
    attrs: Mapping[str, str]  # in_ccm, crmd, join, expected, shutdown...
    transient_attributes: tuple[NvSet, ...]
    lrm_resources: tuple[LrmResource, ...]
    has_lrm: bool = True


@record
class TicketState:
    id: str
    attrs: Mapping[str, str]

    @property
    def granted(self) -> bool:
        return self.attrs.get("granted", "false").lower() in ("true", "yes", "1", "on")

    @property
    def standby(self) -> bool:
        return self.attrs.get("standby", "false").lower() in ("true", "yes", "1", "on")


# --------------------------------------------------------------------------
# the document


@record
class Cib:
    attrs: Mapping[str, str]  # attributes of <cib>: epoch, have-quorum, dc-uuid...
    crm_config: tuple[NvSet, ...]
    rsc_defaults: tuple[NvSet, ...]
    op_defaults: tuple[NvSet, ...]
    nodes: tuple[NodeConfig, ...]
    resources: tuple[ResourceConfig, ...]
    constraints: tuple[Constraint, ...]
    tags: Mapping[str, tuple[str, ...]]
    fencing_levels: tuple[FencingLevel, ...]
    node_states: tuple[NodeState, ...]
    tickets: tuple[TicketState, ...]
    source: str = field(default="<input>", compare=False)

    @property
    def have_quorum(self) -> bool:
        return self.attrs.get("have-quorum", "false").lower() in ("true", "1", "yes", "on")
