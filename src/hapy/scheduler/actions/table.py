"""The action table: creating actions once per (key, node) and ordering them."""

from __future__ import annotations

from hapy.scheduler.actions.model import Action, OrderFlag, Ordering, op_key
from hapy.scheduler.working_set import Node, Resource, WorkingSet


class ActionTable:
    def __init__(self, ws: WorkingSet) -> None:
        self.ws = ws
        self.by_key: dict[tuple[str, str], Action] = {}
        self.by_rsc_task: dict[tuple[int, str, int], list[Action]] = {}
        self._order_seen: dict[tuple[int, int], Ordering] = {}
        self._implied_seen: dict[tuple[int, int], Ordering] = {}

    def find(self, key: str, node: Node | None) -> Action | None:
        return self.by_key.get((key, node.id if node else ""))

    def rsc_actions(self, rsc: Resource, task: str, interval_ms: int = 0) -> list[Action]:
        return self.by_rsc_task.get((id(rsc), task, interval_ms), [])

    def get(
        self,
        rsc: Resource | None,
        task: str,
        node: Node | None,
        *,
        interval_ms: int = 0,
        optional: bool = True,
        pseudo: bool = False,
        key: str | None = None,
    ) -> Action:
        if key is None:
            assert rsc is not None
            key = op_key(rsc.name, task, interval_ms)
        found = self.by_key.get((key, node.id if node else ""))
        if found is not None:
            if not optional:
                found.optional = False
            return found
        action = Action(
            id=len(self.ws.actions),
            key=key,
            task=task,
            rsc=rsc,
            node=node,
            interval_ms=interval_ms,
            optional=optional,
            pseudo=pseudo,
        )
        if not pseudo and node is None and rsc is not None:
            action.runnable = False
        if not pseudo and node is not None and not node.online and not node.unclean:
            action.runnable = False
        self.ws.actions.append(action)
        self.by_key[(key, node.id if node else "")] = action
        if rsc is not None:
            self.by_rsc_task.setdefault((id(rsc), task, interval_ms), []).append(action)
            rsc.actions.append(action)
        return action

    def pseudo(self, rsc: Resource | None, task: str, *, key: str | None = None,
               optional: bool = True) -> Action:
        return self.get(rsc, task, None, optional=optional, pseudo=True, key=key)

    def order(self, first: Action, then: Action, flags: OrderFlag) -> Ordering | None:
        if first is then:
            return None
        seen = self._order_seen.get((first.id, then.id))
        if seen is not None:
            seen.flags |= flags
            return seen
        ordering = Ordering(first, then, flags, id=len(self.ws.orderings))
        self.ws.orderings.append(ordering)
        first.outputs.append(ordering)
        then.inputs.append(ordering)
        self._order_seen[(first.id, then.id)] = ordering
        return ordering

    def unorder(self, ordering: Ordering) -> None:
        """Drop an ordering made by :meth:`order`."""
        ordering.first.outputs.remove(ordering)
        ordering.then.inputs.remove(ordering)
        self._order_seen.pop((ordering.first.id, ordering.then.id), None)
        self.ws.orderings.remove(ordering)

    def imply(self, first: Action, then: Action, flags: OrderFlag) -> Ordering | None:
        """An ordering that only carries ``flags``' implications between the
        two actions: it is not part of the transition graph."""
        if first is then:
            return None
        seen = self._implied_seen.get((first.id, then.id))
        if seen is not None:
            seen.flags |= flags
            return seen
        ordering = Ordering(first, then, flags)
        first.implied_outputs.append(ordering)
        then.implied_inputs.append(ordering)
        self._implied_seen[(first.id, then.id)] = ordering
        return ordering
