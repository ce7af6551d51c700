"""Synapse priorities and the CRM_meta_* attributes actions take from their ops."""

from __future__ import annotations

from datetime import UTC, datetime

from scheduler_cib import cib_text, dummy, run, synapse

from hapy.scheduler.working_set import INFINITY


def test_actions_run_with_their_resource_priority() -> None:
    meta = '<meta_attributes id="m"><nvpair id="p" name="priority" value="2"/></meta_attributes>'
    graph = run(cib_text(dummy("r1", meta=meta), nodes=("n1",))).graph
    assert synapse(graph, "r1_start_0").priority == 2
    assert synapse(graph, "r1_monitor_0").priority == 2


def test_clone_completion_pseudo_actions_have_infinite_priority() -> None:
    text = cib_text('<clone id="c">' + dummy("r") + "</clone>")
    graph = run(text).graph
    assert synapse(graph, "c_running_0").priority == INFINITY
    assert synapse(graph, "c_start_0").priority == 0


def test_group_pseudo_actions_take_the_group_priority() -> None:
    meta = '<meta_attributes id="m"><nvpair id="p" name="priority" value="7"/></meta_attributes>'
    text = cib_text(f'<group id="g">{meta}' + dummy("a") + dummy("b") + "</group>")
    graph = run(text).graph
    assert synapse(graph, "g_running_0").priority == 7


def test_configured_op_gives_name_defaults_delay_and_params() -> None:
    ops = ('<op id="s" name="start" interval="0" timeout="30s"/>'
           '<op id="m" name="monitor" interval="10s" start-delay="1m">'
           '<instance_attributes id="mi"><nvpair id="lvl" name="OCF_CHECK_LEVEL" value="20"/>'
           '</instance_attributes></op>')
    defaults = ('<op_defaults><meta_attributes id="od"><nvpair id="rp" name="record-pending"'
                ' value="true"/></meta_attributes></op_defaults>')
    graph = run(cib_text(dummy("r1", ops=ops), nodes=("n1",), op_defaults=defaults)).graph
    start = synapse(graph, "r1_start_0").action.attributes
    assert start["CRM_meta_name"] == "start"
    assert start["CRM_meta_timeout"] == "30000"
    assert start["CRM_meta_record_pending"] == "true"
    assert "OCF_CHECK_LEVEL" not in start
    mon = synapse(graph, "r1_monitor_10000").action.attributes
    assert mon["CRM_meta_start_delay"] == "60000"
    assert mon["OCF_CHECK_LEVEL"] == "20"
    probe = synapse(graph, "r1_monitor_0").action.attributes
    assert "CRM_meta_name" not in probe


def test_interval_origin_sets_the_start_delay() -> None:
    ops = ('<op id="m" name="monitor" interval="1h" '
           'interval-origin="2024-01-01 00:35:00"/>')
    now = datetime(2024, 1, 1, 3, 28, tzinfo=UTC)
    graph = run(cib_text(dummy("r1", ops=ops), nodes=("n1",)), now).graph
    mon = synapse(graph, "r1_monitor_3600000").action.attributes
    assert mon["CRM_meta_start_delay"] == str(7 * 60 * 1000)


def test_parameters_with_node_rules_are_those_of_the_action_node() -> None:
    params = (
        '<instance_attributes id="i1"><rule id="r1" score="0"><expression id="e1" '
        'attribute="#uname" operation="eq" value="n1"/></rule>'
        '<nvpair id="p1" name="interface" value="eth1"/></instance_attributes>'
        '<instance_attributes id="i2"><rule id="r2" score="0"><expression id="e2" '
        'attribute="#uname" operation="eq" value="n2"/></rule>'
        '<nvpair id="p2" name="interface" value="eth2"/></instance_attributes>'
    )
    graph = run(cib_text(dummy("r1", params=params))).graph
    assert synapse(graph, "r1_monitor_0", "n1").action.attributes["interface"] == "eth1"
    assert synapse(graph, "r1_monitor_0", "n2").action.attributes["interface"] == "eth2"


def test_nvpair_reference_may_rename_the_shared_value() -> None:
    params = (
        '<instance_attributes id="i1"><nvpair id="shared" name="fake" value="v"/>'
        '</instance_attributes>'
    )
    other = ('<instance_attributes id="i2"><nvpair id-ref="shared"/>'
             '<nvpair id-ref="shared" name="fake_fake"/></instance_attributes>')
    graph = run(cib_text(dummy("r1", params=params) + dummy("r2", params=other),
                         nodes=("n1",))).graph
    attrs = synapse(graph, "r2_start_0").action.attributes
    assert attrs["fake"] == "v"
    assert attrs["fake_fake"] == "v"


def test_failed_start_offset_follows_start_failure_is_fatal() -> None:
    fatal = dict(run(cib_text(dummy("r1"), nodes=("n1",))).graph.attributes)
    assert fatal["failed-start-offset"] == "INFINITY"
    opt = '<nvpair id="sf" name="start-failure-is-fatal" value="false"/>'
    lenient = dict(run(cib_text(dummy("r1"), nodes=("n1",), options=opt)).graph.attributes)
    assert lenient["failed-start-offset"] == "1"


def test_clone_notify_meta_accepts_any_true_spelling() -> None:
    meta = '<meta_attributes id="cm"><nvpair id="n" name="notify" value="yes"/></meta_attributes>'
    graph = run(cib_text(f'<clone id="c">{meta}' + dummy("r") + "</clone>")).graph
    assert synapse(graph, "c_start_0").action.attributes["CRM_meta_notify"] == "true"


def test_recheck_by_is_the_next_change_of_a_date_rule() -> None:
    loc = ('<rsc_location id="l" rsc="r1"><rule id="lr" score="100">'
           '<date_expression id="d" operation="gt" start="2024-01-01 06:00:00 +00:00"/>'
           '</rule></rsc_location>'
           '<rsc_location id="l2" rsc="r1"><rule id="lr2" score="10">'
           '<date_expression id="d2" operation="lt" end="2024-01-01 09:00:00 +00:00"/>'
           '</rule></rsc_location>')
    graph = run(cib_text(dummy("r1"), constraints=loc)).graph
    expected = datetime(2024, 1, 1, 6, 0, 1, tzinfo=UTC).timestamp()
    assert dict(graph.attributes)["recheck-by"] == str(int(expected))
    later = run(cib_text(dummy("r1"), constraints=loc), datetime(2024, 1, 2, tzinfo=UTC)).graph
    assert "recheck-by" not in dict(later.attributes)


def test_summary_columns_are_padded_like_pacemaker() -> None:
    from hapy.scheduler.summary import column_widths

    rows = [("Stop", "abcdef", "n1", ""), ("Move", "abcdefg", "n1 -> n2", "")]
    assert column_widths(rows) == (8, 8)
    assert column_widths([("Start", "r", "n1", "")]) == (5, 5)


def test_probe_takes_the_timeout_of_the_most_frequent_monitor() -> None:
    ops = ('<op id="m10" name="monitor" interval="10" timeout="30"/>'
           '<op id="m5" name="monitor" interval="5" timeout="15"/>')
    graph = run(cib_text(dummy("r1", ops=ops), nodes=("n1",))).graph
    assert synapse(graph, "r1_monitor_0").action.attributes["CRM_meta_timeout"] == "15000"


def test_instance_attribute_rules_may_test_the_cluster_name() -> None:
    def params(set_id: str, cluster: str) -> str:
        return (f'<instance_attributes id="{set_id}"><nvpair id="{set_id}-s" name="state"'
                f' value="{cluster}"/><rule id="{set_id}-r" score="0"><expression'
                f' id="{set_id}-e" attribute="#cluster-name" operation="eq"'
                f' value="{cluster}"/></rule></instance_attributes>')

    name = '<nvpair id="cn" name="cluster-name" value="B"/>'
    text = cib_text(dummy("r1", params=params("a", "A") + params("b", "B")), nodes=("n1",),
                    options=name)
    start = synapse(run(text).graph, "r1_start_0")
    assert start.action.attributes["state"] == "B"


def _migration_cib(op_defaults: str) -> str:
    status = (
        '<node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member"'
        ' expected="member"><lrm id="n1"><lrm_resources>'
        '<lrm_resource id="A" class="ocf" provider="pacemaker" type="Dummy">'
        '<lrm_rsc_op id="A_start_0" operation="start" interval="0" call-id="1" rc-code="0"'
        ' op-status="0" transition-key="1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>'
        "</lrm_resource></lrm_resources></lrm></node_state>"
        '<node_state id="n2" uname="n2" in_ccm="true" crmd="online" join="member"'
        ' expected="member"/>'
    )
    return cib_text(dummy("A", meta='<meta_attributes id="m"><nvpair id="am" '
                                 'name="allow-migrate" value="true"/></meta_attributes>'),
                    constraints='<rsc_location id="l" rsc="A" node="n2" score="100"/>',
                    status=status, op_defaults=op_defaults)


def test_migrate_to_records_pending_unless_the_op_defaults_say_not_to() -> None:
    graph = run(_migration_cib("")).graph
    assert synapse(graph, "A_migrate_to_0", "n1").action.attributes[
        "CRM_meta_record_pending"] == "true"
    off = ('<op_defaults><meta_attributes id="od">'
           '<nvpair id="od1" name="record-pending" value="false"/></meta_attributes></op_defaults>')
    graph = run(_migration_cib(off)).graph
    assert synapse(graph, "A_migrate_to_0", "n1").action.attributes[
        "CRM_meta_record_pending"] == "false"
