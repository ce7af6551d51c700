"""crm_simulate's text for executed actions."""

from __future__ import annotations

from hapy.graph.model import ActionKind, GraphAction


def executed_line(action: GraphAction, known_ids: set[str] | None = None) -> str:
    """The line crm_simulate prints for ``action``.  ``known_ids``: the ids of
    the resource histories in the simulated status so far (an anonymous clone
    instance is named after its resource when some history already uses that
    name, else after itself); the name printed is added to it."""
    if action.kind is ActionKind.PSEUDO:
        where = f" on {action.on_node}" if action.on_node else ""
        return f"  * Pseudo action:   {action.operation_key}{where}"
    if action.kind is ActionKind.CRM_EVENT:
        if action.operation == "stonith":
            kind = action.attributes.get("CRM_meta_stonith_action", "reboot")
            return f"  * Fencing {action.on_node} ({kind})"
        if action.operation in ("clear_failcount", "lrm_delete"):
            rsc = action.resource.id if action.resource else action.operation_key
            return f"  * Cluster action:  {action.operation} for {rsc} on {action.on_node}"
        return f"  * Cluster action:  {action.operation} on {action.on_node}"
    ref = action.resource
    name = action.operation_key
    if ref is not None:
        candidates = [n for n in (ref.long_id, ref.id) if n is not None]
        if known_ids is None:
            # the resource name the operation key carries (an anonymous clone
            # instance's actions are named after its history entry)
            name = next((n for n in candidates if action.operation_key.startswith(n + "_")),
                        candidates[0])
        else:
            name = ref.id if ref.id in known_ids else candidates[0]
            keyed = key_resource_name(action)
            if name != ref.id and keyed is not None and keyed != name:
                # an orphan instance found under another instance's history
                # is named after that history, which its operation key carries
                name = keyed
            known_ids.add(name)
    task = action.operation
    interval = action.interval_ms
    if interval:
        task = f"{task}={interval}"
    return f"  * Resource action: {name:<15} {task} on {action.on_node}"


def key_resource_name(action: GraphAction) -> str | None:
    """The resource name in the action's operation key, when the key has
    the usual ``NAME_TASK_INTERVAL`` form."""
    suffix = f"_{action.operation}_{action.interval_ms}"
    key = action.operation_key
    if key.endswith(suffix) and len(key) > len(suffix):
        return key[: -len(suffix)]
    return None
