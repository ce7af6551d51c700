"""Operation digests against digests recorded or computed by Pacemaker 2.1.5.

Sources of the expected values:
* "case <name>": a recorded attribute of an ``<lrm_rsc_op>`` in
  /work/shared/scheduler-cases/xml/<name>.xml, with the configuration of the
  same file (unchanged for that resource).
* "crm_simulate -S": the ``op-digest`` that crm_simulate 2.1.5 wrote into
  ``-O out.xml`` after starting an ``ocf:heartbeat:Dummy`` resource ``r1``
  configured with the given instance attributes (monitor 10s, timeout 20s).
* "2.1.5 trace": the digest or ``digest:source`` text printed by
  ``crm_simulate -R -VVVVVV`` while checking that history entry.
* "crm_simulate verdict": what crm_simulate scheduled for a running ``r1``
  with ``fake=abc state=/tmp/s`` (plus ``passwd=secret`` for the secure rows)
  whose start/monitor history carried the given digest attributes.
"""

from __future__ import annotations

import hashlib

import pytest

from hapy.scheduler.digests import (
    EMPTY_DIGEST,
    ComputedDigests,
    DigestResult,
    DigestStatus,
    RecordedDigests,
    compare_digests,
    compute_digests,
    digest_of,
    digest_parameters,
    digest_status,
    escape_value,
    in_param_list,
    is_fencing_param,
    op_digest,
    parse_param_list,
    restart_digest,
    secure_digest,
    secure_parameters,
    serialize_parameters,
    unfencing_digest_entry,
    unfencing_digest_matches,
    uses_legacy_secure_digest,
)

# --------------------------------------------------------------------------
# Serialisation
# --------------------------------------------------------------------------


def test_serialisation_text() -> None:
    text = serialize_parameters({"state": "/tmp/x", "fake": "abc", "CRM_meta_timeout": "20000"})
    assert text == ' <parameters CRM_meta_timeout="20000" fake="abc" state="/tmp/x"/>\n'
    assert serialize_parameters({}) == " <parameters/>\n"
    assert digest_of({}) == EMPTY_DIGEST == hashlib.md5(b" <parameters/>\n").hexdigest()


def test_escape_value() -> None:
    assert escape_value("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&apos;f"
    assert escape_value("a\nb\rc\td") == "a\\nb\\rc    d"


# crm_simulate -S, Dummy r1: (instance attributes, start op-digest, monitor op-digest)
CRM_SIMULATE_RUNS = [
    (
        {"state": "/tmp/x", "fake": "abc"},
        "b7fdd4e74f949a88f75022df58e3b4be",
        "e64c7d94794d9ec6bd472a5f0041e517",
    ),
    (  # byte-order sort: upper case, '-', '.', '_' ...
        {"Zeta": "1", "alpha": "2", "_x": "3", "a-b": "4", "a_b": "5", "A": "6", "a.b": "7"},
        "1fc9b8ff026d828e2a92f88394166fc0",
        "bcaab46bb7948a338e107f9666170dc9",
    ),
    ({"v": "a&b<c>d\"e'f"}, "10fad94a17c5c55f67adef3419f7ed60", "629eaf203a216c7bbdd65e12175882c1"),
    ({"v": "ünï€"}, "b4f59605a4532b07fddf86bf5a1c2fea", "bcfadadae95b17fa2075ffe32784a920"),
    ({"v": ""}, "aa9013cb72a08d54d98f7c9e757eec68", "726aae1c0fc08ad0a5edc69738283fc8"),
    ({"v": "  spaced  "}, "b72efd3d7645334e08ef92cb49f71749", "f7f6a496524a4b14ec33251b5ba0bd85"),
    ({}, EMPTY_DIGEST, "4811cef7f7f94e3a35a70be7916cb2fd"),
]


@pytest.mark.parametrize(("params", "start", "monitor"), CRM_SIMULATE_RUNS)
def test_crm_simulate_recorded_digests(params: dict[str, str], start: str, monitor: str) -> None:
    assert op_digest(params) == start
    assert op_digest(params, interval_ms=10_000, timeout_ms=20_000) == monitor


@pytest.mark.parametrize(
    ("value", "start"),
    [
        # crm_simulate -S start digests (monitor not recorded for these runs)
        ("a\nb", "92f255db34b6d2771ef4fa9b54041b5f"),
        ("a\tb", "1a3a2d92286927e0d7fda49d6bb76350"),
    ],
)
def test_control_characters(value: str, start: str) -> None:
    assert op_digest({"v": value}) == start


# --------------------------------------------------------------------------
# Recorded op-digest values from the regression cases
# --------------------------------------------------------------------------


def test_case_params_1_feature_set_2_0() -> None:
    # case params-1, rsc_c001n01 on c001n01 (crm_feature_set 2.0):
    # rsc_c001n01_start_0 and rsc_c001n01_monitor_5000 (monitor interval=5s timeout=20s)
    params = {"ip": "127.0.0.14"}
    assert op_digest(params) == "74307acd7ffa84f71fe8a46100cdbbb0"
    assert (
        op_digest(params, interval_ms=5000, timeout_ms=20_000) == "fc615675937160e95e360e325cd67d82"
    )


def test_case_value_source_rule_selected_value() -> None:
    # case value-source, insane-rsc: fake=100 by default (rhel7-2/3/5 entries),
    # fake=400 from the rule set for #uname rhel7-4 (insane-rsc_last_0 on rhel7-4)
    assert op_digest({"fake": "100"}) == "1905d2bf96a4b1c41f38dff8c7b84308"
    assert op_digest({"fake": "400"}) == "e4a0cc96ccaaaa02bea1e0be9c4dee84"


def test_case_stonith_monitor_timeout_from_op() -> None:
    # case colocate-primitive-with-clone, prmStonithN3 on srv02 (3.0.1):
    # prmStonithN3_start_0 and prmStonithN3_monitor_3600000 (interval=3600s timeout=60s)
    params = {"priority": "1", "stonith-timeout": "300s", "hostlist": "srv03"}
    assert op_digest(params) == "f211d1708c2c6f6dc0fd14a6d688e1a1"
    assert (
        op_digest(params, interval_ms=3_600_000, timeout_ms=60_000)
        == "a7209218a717c1f65e89d28478dd4981"
    )
    # 2.1.5 trace: legacy secure digest drops the fencer's own "stonith-timeout"
    assert (
        secure_digest(
            params,
            None,
            op_version="3.0.1",
            fencing=True,
            interval_ms=3_600_000,
            timeout_ms=60_000,
        )
        == "5f66b098612d48113a064376a3974533"
    )


LUSTRE_VM = {
    # case load-stopped-loop, lustre04-left.vds-ok.com-vm (note the empty value)
    "domain_name": "lustre04-left.vds-ok.com",
    "domain_uuid": "b3d09728-6dd3-4db1-b5d5-349714c6ea4f",
    "vcpu_num": "2",
    "vcpu_policy": "share",
    "arch": "x86_64",
    "cpu_model": "VDS_OK",
    "devices": "disk:0,vds-ok-pool-0,lustre04-left.vds-ok.com_disk0,102400;"
    "netif:0,bridge,vlan5,00:16:3e:c6:ea:4f,;console;graphics;mouse;tablet;"
    "watchdog:i6300esb:poweroff;",
    "run_mode": "run",
    "schedinfo_weight": "40",
    "mem_mb": "1024",
    "blkio_weight": "100",
    "host_role_needed": "",
    "hypervisor": "qemu:///system",
    "migration_transport": "tls",
    "force_stop": "0",
}


def test_case_restart_digest() -> None:
    # case load-stopped-loop, lustre04-left.vds-ok.com-vm_last_0 on mgmt01 (3.0.6)
    force_restart = " config  domain_name  domain_uuid "
    assert op_digest(LUSTRE_VM) == "c1cba5500cd8b1308fc231161be62382"
    assert restart_digest(LUSTRE_VM, force_restart) == "239155119510f26586117f10a26f6a42"
    # the same with the names instead of the raw attribute
    assert (
        restart_digest(LUSTRE_VM, ["config", "domain_name", "domain_uuid"])
        == "239155119510f26586117f10a26f6a42"
    )


FENCE_NOVA = {
    # case order-expired-failure, stonith-fence_compute-fence-nova
    "auth_url": "http://10.0.0.110:5000",
    "compute-domain": "localdomain",
    "login": "admin",
    "passwd": "C9UkFUsCJrbJgAM7GXcccaeCU",
    "project-domain": "Default",
    "record_only": "1",
    "tenant_name": "admin",
    "user-domain": "Default",
}


def test_case_secure_digest_fencing_legacy() -> None:
    # case order-expired-failure, stonith-fence_compute-fence-nova_last_0 on controller-0
    # (3.0.14, op-secure-params=" password  passwd ")
    attrs = {
        "crm_feature_set": "3.0.14",
        "op-digest": "ad312d85623cdb0a792e6fbd5e91a820",
        "op-secure-params": " password  passwd ",
        "op-secure-digest": "caf046d0a0953a2e7d15bbbde1371880",
    }
    recorded = RecordedDigests.from_attrs(attrs)
    computed = compute_digests(FENCE_NOVA, recorded, fencing=True)
    assert computed.all == attrs["op-digest"]
    assert computed.secure == attrs["op-secure-digest"]
    assert computed.restart is None
    assert compare_digests(recorded, computed, interval_ms=0) is DigestResult.MATCH
    # the node attribute #digests-all of the same case
    entry = unfencing_digest_entry(
        "stonith-fence_compute-fence-nova", "fence_compute", computed.all
    )
    assert unfencing_digest_matches(
        entry, "stonith-fence_compute-fence-nova:fence_compute:ad312d85623cdb0a792e6fbd5e91a820,"
    )
    assert not unfencing_digest_matches(entry, None)


def test_case_secure_digest_drops_pcmk_host_list() -> None:
    # case bundle-order-fencing, stonith-fence_ipmilan-5254000dcb3f_last_0 on controller-2
    params = {
        "action": "reboot",
        "ipaddr": "172.16.0.1",
        "ipport": "6230",
        "lanplus": "true",
        "login": "admin",
        "passwd": "password",
        "pcmk_host_list": "controller-1",
        "privlvl": "administrator",
    }
    assert op_digest(params) == "bc0ef483fd42598086833dcc7d9d16a0"
    got = secure_digest(params, " passwd  password ", op_version="3.0.12", fencing=True)
    assert got == "dd2f06ba4e4b068af99defcb12eeac50"
    # not a fencing resource: pcmk_host_list would stay and the digest differs
    assert secure_digest(params, " passwd  password ", op_version="3.0.12") != got


def test_case_op_instance_attributes() -> None:
    # case params-1, rsc_c001n08 monitor 5s timeout 21s with op instance attribute
    # new_attr=some_value; 2.1.5 trace of the check of rsc_c001n08_monitor_5000 (2.0):
    params = {"ip": "127.0.0.11"}
    op_params = {"new_attr": "some_value"}
    kwargs: dict[str, int] = {"interval_ms": 5000, "timeout_ms": 21_000}
    assert op_digest(params, op_params=op_params, **kwargs) == "4fe1791402ad55b588eb1708a30a7080"
    # legacy secure: resource parameters only = the recorded start digest of the same case
    assert (
        secure_digest(params, None, op_version="2.0", op_params=op_params, **kwargs)
        == "fd54394d262d771b8cb48f31f8df7242"
    )


# --------------------------------------------------------------------------
# Parameter selection rules (2.1.5 trace / crm_simulate verdicts)
# --------------------------------------------------------------------------


def test_filtered_names_and_meta() -> None:
    params = {
        "fake": "abc",
        "id": "x",
        "on_node": "n",
        "on_node_uuid": "u",
        "crm_feature_set": "3.0",
        "op-digest": "d",
        "pcmk_external_ip": "1.2.3.4",
        "CRM_meta_foo": "bar",
        # not filtered: look like meta/op fields but are ordinary parameters
        "interval": "1",
        "timeout": "2",
        "target-role": "Started",
        "crm_meta_x": "lower case prefix",
    }
    assert digest_parameters(params) == {
        "fake": "abc",
        "interval": "1",
        "timeout": "2",
        "target-role": "Started",
        "crm_meta_x": "lower case prefix",
    }


def test_precedence_resource_over_op() -> None:
    # crm_simulate verdict: the resource value wins over the op instance attribute,
    # and a resource parameter named CRM_meta_timeout wins over the op timeout
    assert digest_parameters(
        {"fake": "abc"}, op_params={"fake": "override", "new": "x"}, interval_ms=0
    ) == {"fake": "abc", "new": "x"}
    assert digest_parameters(
        {"CRM_meta_timeout": "5000"}, interval_ms=10_000, timeout_ms=20_000
    ) == {"CRM_meta_timeout": "5000"}
    # interval 0: no timeout; recurring without configured timeout: 20000
    assert digest_parameters({}, timeout_ms=30_000) == {}
    assert digest_parameters({}, interval_ms=1) == {"CRM_meta_timeout": "20000"}


def test_secure_parameters_new_and_legacy() -> None:
    # 2.1.5 trace, Dummy r1 monitor 10s timeout 20s, op instance attribute oattr=ov,
    # op-secure-params=" passwd ":
    #  3.16.1/3.16.0: <parameters fake="abc" oattr="ov" pcmk_host_list="n1"/>
    #  3.15.0:        <parameters fake="abc" pcmk_host_list="n1"/>
    params = {"fake": "abc", "passwd": "pw", "pcmk_host_list": "n1"}
    for version in ("3.16.1", "3.16.0", None):
        assert secure_parameters(
            params,
            " passwd ",
            op_version=version,
            interval_ms=10_000,
            timeout_ms=20_000,
            op_params={"oattr": "ov"},
        ) == {"fake": "abc", "oattr": "ov", "pcmk_host_list": "n1"}
    assert secure_parameters(
        params,
        " passwd ",
        op_version="3.15.0",
        interval_ms=10_000,
        timeout_ms=20_000,
        op_params={"oattr": "ov"},
    ) == {"fake": "abc", "pcmk_host_list": "n1"}
    # current version: fencing parameters are not removed
    assert "pcmk_host_list" in secure_parameters(params, None, op_version="3.16.1", fencing=True)
    assert "pcmk_host_list" not in secure_parameters(
        params, None, op_version="3.15.0", fencing=True
    )


@pytest.mark.parametrize(
    ("version", "legacy"),
    [
        ("3.15.0", True),
        ("3.15.99", True),
        ("3.9.0", True),
        ("2.0", True),
        ("3.16.0", False),
        ("3.16", False),
        ("3.16.0.1", False),
        ("3.100.0", False),
        ("4.0", False),
        (None, False),
    ],
)
def test_legacy_secure_version(version: str | None, legacy: bool) -> None:
    # 2.1.5 trace: whether the op instance attribute appeared in the secure source
    assert uses_legacy_secure_digest(version) is legacy


@pytest.mark.parametrize(
    ("name", "fencing"),
    [
        ("provides", True),
        ("stonith-timeout", True),
        ("pcmk_host_list", True),
        ("pcmk_host_map", True),
        ("pcmk_host_check", True),
        ("pcmk_host_argument", True),
        ("pcmk_delay_base", True),
        ("pcmk_delay_max", True),
        ("pcmk_action_limit", True),
        ("pcmk_reboot_action", True),
        ("pcmk_reboot_timeout", True),
        ("pcmk_status_retries", True),
        ("pcmk_metadata_action", True),
        ("pcmk__action", True),
        ("pcmk_foo", False),
        ("pcmk_action", False),
        ("pcmk_timeout", False),
        ("pcmk_retries", False),
        ("pcmk_a_b_action", False),
        ("pcmk_reboot_action_x", False),
        ("pcmk_host", False),
        ("pcmk-host-list", False),
        ("PCMK_host_list", False),
        ("priority", False),
        ("port", False),
        ("action", False),
    ],
)
def test_fencing_params(name: str, fencing: bool) -> None:
    # 2.1.5 trace of the legacy (3.15.0) secure digest of a stonith resource
    assert is_fencing_param(name) is fencing


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (" state ", ("state",)),
        ("  envfile op_sleep passwd state  ", ("envfile", "op_sleep", "passwd", "state")),
        (" state  fake ", ("state", "fake")),
        (" fake state ", ("fake", "state")),
        ("  fake\tstate  ", ("fake", "state")),
        ("state", ()),
        (" state", ()),
        ("state ", ()),
        ("state fake", ()),
        ("", ()),
        (None, ()),
    ],
)
def test_parse_param_list(text: str | None, names: tuple[str, ...]) -> None:
    # 2.1.5 trace: which names op-force-restart / op-secure-params selected
    assert parse_param_list(text) == names
    for name in ("state", "fake"):
        assert in_param_list(name, text) is (name in names)


def test_restart_list_absent_keeps_everything() -> None:
    params = {"fake": "abc", "state": "/tmp/s"}
    assert restart_digest(params, None) == op_digest(params)
    # recurring: the restart digest never contains the timeout
    assert restart_digest(params, " state ", interval_ms=10_000) == digest_of({"state": "/tmp/s"})


# --------------------------------------------------------------------------
# Comparison (crm_simulate verdicts)
# --------------------------------------------------------------------------

P = {"fake": "abc", "state": "/tmp/s"}
P_ALL = "f2529b84ade651ae2aeb4ad11d9296e6"  # op_digest(P) = op_digest(P + passwd - passwd)
P_RESTART = "f5ea072df248bf5224813f6b5fd8c7b1"  # digest of {"state": "/tmp/s"}
P_MON = "c3ea8c07c5a9ef0a50f36356cef02c7e"  # monitor 10s, timeout 20s
BAD = "0" * 32
RESTART_OK = {"op-force-restart": " state ", "op-restart-digest": P_RESTART}
RESTART_BAD = {"op-force-restart": " state ", "op-restart-digest": BAD}


def _start(attrs: dict[str, str], params: dict[str, str] = P) -> DigestResult:
    recorded = RecordedDigests.from_attrs({"crm_feature_set": "3.16.1", **attrs})
    return compare_digests(recorded, compute_digests(params, recorded), interval_ms=0)


def _monitor(attrs: dict[str, str]) -> DigestResult:
    recorded = RecordedDigests.from_attrs({"crm_feature_set": "3.16.1", **attrs})
    computed = compute_digests(P, recorded, interval_ms=10_000, timeout_ms=20_000)
    return compare_digests(recorded, computed, interval_ms=10_000)


def test_computed_values() -> None:
    assert op_digest(P) == P_ALL
    assert digest_of({"state": "/tmp/s"}) == P_RESTART
    assert op_digest(P, interval_ms=10_000, timeout_ms=20_000) == P_MON


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"op-digest": P_ALL, **RESTART_OK}, DigestResult.MATCH),
        ({"op-digest": BAD, **RESTART_OK}, DigestResult.RELOAD),
        ({"op-digest": BAD, **RESTART_BAD}, DigestResult.RESTART),
        ({"op-digest": P_ALL, **RESTART_BAD}, DigestResult.RESTART),
        ({"op-digest": BAD}, DigestResult.RESTART),
        ({"op-digest": BAD, "op-force-restart": " state "}, DigestResult.RESTART),
        ({"op-digest": BAD, "op-restart-digest": EMPTY_DIGEST}, DigestResult.RESTART),
        ({"op-digest": BAD, "op-restart-digest": P_ALL}, DigestResult.RELOAD),
        ({"op-digest": BAD, "op-force-restart": "", "op-restart-digest": EMPTY_DIGEST},
         DigestResult.RELOAD),
        ({}, DigestResult.RESTART),
        (RESTART_OK, DigestResult.RELOAD),
        ({"op-digest": P_ALL, "op-force-restart": " state ",
          "op-restart-digest": "calculated-failure-timeout"}, DigestResult.RESTART),
    ],
)  # fmt: skip
def test_start_verdicts(attrs: dict[str, str], expected: DigestResult) -> None:
    assert _start(attrs) is expected


SECRET = {**P, "passwd": "secret"}
SECURE_OK = {"op-secure-params": " passwd ", "op-secure-digest": P_ALL}
SECURE_BAD = {"op-secure-params": " passwd ", "op-secure-digest": BAD}


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"op-digest": BAD, **SECURE_OK}, DigestResult.MATCH),
        ({"op-digest": BAD, **SECURE_BAD}, DigestResult.RESTART),
        ({"op-digest": "a0fb2a100b3205a618491c26470c48f6", **SECURE_BAD}, DigestResult.MATCH),
        ({"op-digest": BAD, **SECURE_OK, **RESTART_BAD}, DigestResult.MATCH),
        ({**SECURE_OK, **RESTART_OK}, DigestResult.MATCH),
        ({"op-digest": BAD, **SECURE_BAD, **RESTART_OK}, DigestResult.RELOAD),
        ({"op-digest": BAD, **SECURE_BAD, **RESTART_BAD}, DigestResult.RESTART),
        ({"op-digest": BAD, "op-secure-params": " passwd "}, DigestResult.RESTART),
    ],
)
def test_secure_fallback_verdicts(attrs: dict[str, str], expected: DigestResult) -> None:
    assert op_digest(SECRET) == "a0fb2a100b3205a618491c26470c48f6"  # 2.1.5 trace
    assert _start(attrs, SECRET) is expected


def test_secure_fallback_can_be_disabled() -> None:
    recorded = RecordedDigests.from_attrs({"op-digest": BAD, **SECURE_OK})
    computed = compute_digests(SECRET, recorded)
    assert digest_status(recorded, computed) is DigestStatus.MATCH
    assert digest_status(recorded, computed, secure_fallback=False) is DigestStatus.CHANGED
    assert (
        compare_digests(recorded, computed, interval_ms=0, secure_fallback=False)
        is DigestResult.RESTART
    )


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"op-digest": P_MON}, DigestResult.MATCH),
        ({"op-digest": BAD}, DigestResult.RESCHEDULE),
        ({"op-digest": P_ALL}, DigestResult.RESCHEDULE),  # recorded without the timeout
        ({}, DigestResult.RESCHEDULE),
        ({"op-digest": BAD, **RESTART_OK}, DigestResult.RESCHEDULE),
        ({"op-digest": P_MON, **RESTART_OK}, DigestResult.MATCH),
        ({"op-digest": P_MON, **RESTART_BAD}, DigestResult.RESCHEDULE),
        ({"op-digest": BAD, "op-secure-params": " x ", "op-secure-digest": P_ALL},
         DigestResult.MATCH),
    ],
)  # fmt: skip
def test_monitor_verdicts(attrs: dict[str, str], expected: DigestResult) -> None:
    assert _monitor(attrs) is expected


def test_status_values() -> None:
    computed = ComputedDigests(all="a", secure="s", restart="r")
    assert digest_status(RecordedDigests(op_digest="a", restart_digest="x"), computed) is (
        DigestStatus.RESTART
    )
    assert digest_status(RecordedDigests(), computed) is DigestStatus.UNKNOWN
    assert digest_status(RecordedDigests(op_digest="b"), computed) is DigestStatus.CHANGED
    assert digest_status(RecordedDigests(op_digest="a"), computed) is DigestStatus.MATCH
