"""The controllers' messages on the ``crmd`` group (JSON), and how a graph
action travels in them."""

from __future__ import annotations

import json
from typing import Any

from hapy.graph.model import ActionKind, GraphAction, ResourceRef

GROUP = "crmd"


def action_to_json(action: GraphAction) -> dict[str, Any]:
    rsc = action.resource
    return {
        "id": action.id, "kind": action.kind.value, "operation": action.operation,
        "operation_key": action.operation_key, "on_node": action.on_node,
        "on_node_uuid": action.on_node_uuid,
        "resource": None if rsc is None else {
            "id": rsc.id, "class": rsc.rclass, "type": rsc.type, "provider": rsc.provider,
            "long_id": rsc.long_id},
        "attributes": dict(action.attributes),
    }


def action_from_json(data: dict[str, Any]) -> GraphAction:
    rsc = data.get("resource")
    return GraphAction(
        id=int(data["id"]), kind=ActionKind(data["kind"]), operation=str(data["operation"]),
        operation_key=str(data["operation_key"]), on_node=data.get("on_node"),
        on_node_uuid=data.get("on_node_uuid"),
        resource=None if rsc is None else ResourceRef(
            str(rsc["id"]), str(rsc["class"]), str(rsc["type"]), rsc.get("provider"),
            rsc.get("long_id")),
        attributes={str(k): str(v) for k, v in data.get("attributes", {}).items()},
    )


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode()


def decode(payload: bytes) -> dict[str, Any] | None:
    try:
        message = json.loads(payload)
    except ValueError:
        return None
    return message if isinstance(message, dict) and "kind" in message else None
