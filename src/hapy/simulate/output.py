"""crm_simulate's text for executed actions."""

from __future__ import annotations

from hapy.graph.model import ActionKind, GraphAction


def executed_line(action: GraphAction) -> str:
    if action.kind is ActionKind.PSEUDO:
        where = f" on {action.on_node}" if action.on_node else ""
        return f"  * Pseudo action:   {action.operation_key}{where}"
    if action.kind is ActionKind.CRM_EVENT:
        if action.operation == "stonith":
            kind = action.attributes.get("CRM_meta_stonith_action", "reboot")
            return f"  * Fencing {action.on_node} ({kind})"
        if action.operation == "clear_failcount":
            rsc = action.resource.id if action.resource else action.operation_key
            return f"  * Cluster action:  clear_failcount for {rsc} on {action.on_node}"
        return f"  * Cluster action:  {action.operation} on {action.on_node}"
    ref = action.resource
    name = action.operation_key
    if ref is not None:
        # the resource name the operation key carries (an anonymous clone
        # instance's actions are named after its history entry)
        candidates = [n for n in (ref.long_id, ref.id) if n is not None]
        name = next((n for n in candidates if action.operation_key.startswith(n + "_")),
                    candidates[0])
    task = action.operation
    interval = action.interval_ms
    if interval:
        task = f"{task}={interval}"
    return f"  * Resource action: {name:<15} {task} on {action.on_node}"
