"""A globally-unique clone of agents that cannot be unique (LSB, systemd...)
is anonymous: one instance per node, no more instances than nodes."""

from __future__ import annotations

from scheduler_cib import cib_text, run, synapse

_LSB = '<primitive id="{0}" class="lsb" type="{0}"/>'
_OCF = '<primitive id="{0}" class="ocf" provider="pacemaker" type="Dummy"/>'


def _clone(child: str, clone_max: int) -> str:
    return ('<clone id="c"><meta_attributes id="c-m">'
            '<nvpair id="c-u" name="globally-unique" value="true"/>'
            f'<nvpair id="c-x" name="clone-max" value="{clone_max}"/>'
            f"</meta_attributes>{child}</clone>")


def test_unique_clone_of_lsb_agents_is_anonymous_with_at_most_one_instance_per_node() -> None:
    transition = run(cib_text(_clone(_LSB.format("l"), 5), nodes=("n1", "n2", "n3")))
    clone = transition.working_set.resources_by_id["c"]
    assert not clone.unique
    assert len(clone.children) == 3
    start = synapse(transition.graph, "l:2_start_0").action
    assert start.attributes["CRM_meta_clone_max"] == "3"
    assert start.attributes["CRM_meta_globally_unique"] == "false"
    assert start.resource is not None
    assert (start.resource.id, start.resource.long_id) == ("l", "l:2")


def test_forced_anonymous_cloned_group_names_its_last_instance_as_unique() -> None:
    group = f'<group id="g">{_OCF.format("a")}{_LSB.format("l")}</group>'
    transition = run(cib_text(_clone(group, 2)))
    graph = transition.graph
    names: dict[str, tuple[str, str | None]] = {}
    for key in ("a:0_start_0", "a:1_start_0", "l:1_start_0"):
        ref = synapse(graph, key).action.resource
        assert ref is not None
        names[key] = (ref.id, ref.long_id)
    assert names == {"a:0_start_0": ("a", "a:0"), "a:1_start_0": ("a:1", None),
                     "l:1_start_0": ("l", "l:1")}
