"""The simulator's fake executor: carries out graph actions on a CIB held in memory.

:class:`FakeExecutor` implements :class:`hapy.graph.runner.GraphActions` the
way ``crm_simulate`` does (compared with its ``-O`` output on the regression
inputs):

* a resource operation records its result in the node's status
  (``lrm_rsc_op``, see :mod:`hapy.simulate.inject`) with the action's
  expected rc (``CRM_meta_op_target_rc``, else 0) and ``op-digest`` computed
  from the action's parameters; a ``reload-agent`` is recorded as a
  ``start``; ``delete`` operations and operations without
  a resource (``probe_again``) change nothing;
* an injected failure (``-F`` spec ``RSC_TASK_INTERVAL@NODE=RC``) makes the
  matching action return that rc and report failure (aborting the
  transition), whatever the rc; when the rc differs from the expected one
  the result is recorded as a failure (exit-reason "User-injected result",
  fail count named after the resource as the spec writes it, last-failure
  time), otherwise as a success;
* fencing (``off``/``reboot``) marks the node down and removes its resource
  history and transient attributes; unfencing (``on``) changes nothing;
* other cluster events (``do_shutdown``, ``clear_failcount``,
  ``lrm_delete``) and pseudo actions change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lxml import etree

from hapy.graph.model import GraphAction
from hapy.simulate.inject import OpSpec, StatusEditor, op_digest, parse_op_spec
from hapy.simulate.output import key_resource_name

__all__ = ["RELOAD_OPS", "FakeExecutor", "action_target_rc"]

RELOAD_OPS = frozenset({"reload", "reload-agent"})


def action_target_rc(action: GraphAction) -> int:
    """The rc the scheduler expects from the action (``CRM_meta_op_target_rc``, else 0)."""
    try:
        return int(action.attributes.get("CRM_meta_op_target_rc", "0"))
    except ValueError:
        return 0


class FakeExecutor:
    """Pretends to execute graph actions by editing ``cib`` (the ``<cib>`` element) in place.

    ``failures`` are ``-F`` specs (strings or :class:`OpSpec`); ``now`` fixes
    the timestamps written (default: the current time); ``on_message``
    receives the lines crm_simulate prints while executing ("Pretending
    action 7 failed with rc=1", "Injecting attribute ..."), by default they
    are collected in :attr:`messages`.
    """

    def __init__(
        self,
        cib: etree._Element,
        *,
        failures: Iterable[str | OpSpec] = (),
        now: int | None = None,
        on_message: Callable[[str], None] | None = None,
    ) -> None:
        self.editor = StatusEditor(cib, now)
        self.failures: list[OpSpec] = [
            f if isinstance(f, OpSpec) else parse_op_spec(f) for f in failures
        ]
        self.messages: list[str] = []
        self._emit = on_message if on_message is not None else self.messages.append

    @property
    def cib(self) -> etree._Element:
        return self.editor.cib

    # ---------------------------------------------------------------- GraphActions

    def execute_pseudo(self, action: GraphAction) -> bool:
        return True

    def execute_cluster_event(self, action: GraphAction) -> bool:
        return True

    def execute_fence(self, action: GraphAction) -> bool:
        fence_action = action.attributes.get("CRM_meta_stonith_action", "reboot")
        if fence_action != "on" and action.on_node:
            self.editor.fence(action.on_node, node_id=action.on_node_uuid)
        return True

    def execute_rsc_op(self, action: GraphAction) -> bool:
        rsc = action.resource
        if rsc is None or action.operation == "delete" or not action.on_node:
            return True
        target_rc = action_target_rc(action)
        spec = self._injected(action)
        rc = target_rc if spec is None else spec.rc
        failed = rc != target_rc
        editor = self.editor
        state = editor.node_state(action.on_node, node_id=action.on_node_uuid,
                                  allow_unknown=True)
        lrm_rsc = editor.lrm_resource(state, rsc.id, rsc.rclass, rsc.type, rsc.provider,
                                      rsc.long_id, key_resource_name(action))
        notify = None
        if action.operation == "notify":
            notify = (action.attributes.get("CRM_meta_notify_type", "pre"),
                      action.attributes.get("CRM_meta_notify_operation", "unknown"))
        migrate = None
        source = action.attributes.get("CRM_meta_migrate_source")
        target = action.attributes.get("CRM_meta_migrate_target")
        if action.operation in ("migrate_to", "migrate_from") and source and target:
            migrate = (source, target)
        # a reload is recorded as the start it stands for
        task = "start" if action.operation in RELOAD_OPS else action.operation
        editor.record_op(
            lrm_rsc, rsc=rsc.id, task=task, interval_ms=action.interval_ms,
            rc=rc, target_rc=target_rc, digest=op_digest(action.attributes),
            notify=notify, migrate=migrate,
            exit_reason="User-injected result" if failed else "",
        )
        if spec is None:
            return True
        # crm_simulate treats every matched -F spec as a failed action, even
        # one whose rc is the expected one (then recorded as a success)
        self._emit(f"Pretending action {action.id} failed with rc={rc}")
        if failed:
            # the fail count is named after the resource as the spec names it
            for line in editor.inject_failcount(state, spec.resource, action.operation,
                                                action.interval_ms):
                self._emit(line)
        return False

    # ---------------------------------------------------------------- helpers

    def _injected(self, action: GraphAction) -> OpSpec | None:
        rsc = action.resource
        assert rsc is not None
        names = {rsc.id, rsc.long_id}
        keys = {f"{n}_{action.operation}_{action.interval_ms}" for n in names if n}
        keys.add(action.operation_key)
        if action.internal_operation_key:
            keys.add(action.internal_operation_key)
        for spec in self.failures:
            if spec.node == action.on_node and spec.key in keys:
                return spec
        return None
