"""Operation digests: ``op-digest``, ``op-secure-digest`` and ``op-restart-digest``.

Every ``<lrm_rsc_op>`` in the CIB status records an MD5 digest of the
parameters that the operation was run with.  The scheduler recomputes the same
digests from the current configuration and compares them, to decide whether a
resource must be restarted or reloaded, or a recurring monitor rescheduled.

Everything below was established by experiment against Pacemaker 2.1.5
(``crm_simulate -S`` writes the digests it records; ``crm_simulate -VVVVVV``
traces every digest the scheduler computes together with its source text), and
checked against the recorded digests of the scheduler regression cases.

Serialisation (shared by all three digests)
-------------------------------------------
``md5(text)`` as lowercase hex, where ``text`` is the UTF-8 encoding of::

    ' <parameters' + ''.join(f' {name}="{escape(value)}"' for name, value in
                             sorted(params.items())) + '/>\\n'

i.e. one leading space, attributes sorted by name (byte order, so upper case
before lower case: ``CRM_meta_timeout`` sorts first), no space before ``/>``,
one trailing newline.  No parameters gives ``' <parameters/>\\n'``, whose digest
is :data:`EMPTY_DIGEST` (``f2317cad…``).  Values are escaped as Pacemaker's XML
writer does (:func:`escape_value`): ``& < > " '`` become ``&amp; &lt; &gt;
&quot; &apos;``, a newline becomes the two characters ``\\n``, a carriage return
``\\r``, and a tab four spaces.  The recorded ``crm_feature_set`` of the
operation does not change the serialisation (the same "v1" digest is used for
every version since at least feature set 1.0.5).

Which parameters (the "all" digest, ``op-digest``)
---------------------------------------------------
1. The resource's evaluated instance attributes (``params``).  The caller
   evaluates them: ``<instance_attributes>`` sets of the primitive, then of its
   template, then those inherited from each parent (group, clone, bundle),
   nearest first; a name already set is never overwritten by a later source.
   Within one element, sets are taken by descending ``score``; among equal
   scores the *later* set in document order wins.  Rules are evaluated for the
   node the operation ran on (``#uname`` etc.).  Names that look like
   meta-attributes (``target-role``, ``target_role``, ``is-managed``,
   ``allow-migrate`` …) are ordinary parameters here and *are* hashed.
2. The instance attributes of the configured ``<op>`` with the same name and
   interval (``op_params``), only for names the resource does not define (the
   resource's value wins).  This applies to interval-0 operations too: a
   ``<op name="start" interval="0">`` with instance attributes changes the start
   digest.  ``<op>`` meta-attributes are not hashed.
3. For recurring operations only (interval > 0): ``CRM_meta_timeout`` = the
   operation's effective timeout in milliseconds (``<op timeout>``, else the
   op's ``<meta_attributes>`` ``timeout``, else ``op_defaults``, else 20000),
   again only if the resource does not itself define a parameter of that name.
4. Then these are removed: every other ``CRM_meta_*`` name, and ``id``,
   ``crm_feature_set``, ``op-digest``, ``on_node``, ``on_node_uuid``,
   ``pcmk_external_ip`` (:data:`FILTERED_PARAMS`).

Restart digest (``op-restart-digest``)
--------------------------------------
Computed only when the history entry has an ``op-restart-digest``: the "all"
parameters above restricted to the names listed in ``op-force-restart``
(so ``CRM_meta_timeout`` is never included, even for monitors).  When
``op-force-restart`` is absent the whole "all" set is used.

List attributes (``op-force-restart``, ``op-secure-params``) are matched the
way Pacemaker does it: a name is listed iff ``" name "`` (with a space on both
sides) occurs in the attribute value, so ``"state"`` without surrounding spaces
lists nothing (:func:`parse_param_list`).

Secure digest (``op-secure-digest``)
------------------------------------
Depends on the ``crm_feature_set`` recorded on the history entry:

* feature set >= 3.16.0, or none recorded: the "all" parameters minus the names
  listed in ``op-secure-params`` and minus ``CRM_meta_timeout``;
* feature set < 3.16.0 (legacy): the *resource* parameters only (no ``<op>``
  instance attributes, no timeout), minus :data:`FILTERED_PARAMS` and
  ``CRM_meta_*``, minus the ``op-secure-params`` names, and, for fencing
  (``class="stonith"``) resources, minus the fencing parameters the fencer
  handles itself (:func:`is_fencing_param`: ``provides``, ``stonith-timeout``,
  ``pcmk_host_list`` … and ``pcmk_<action>_action|_timeout|_retries``).

Without ``op-secure-params`` nothing is removed for the list step.

Comparison (``compare_digests``)
--------------------------------
:func:`digest_status` reproduces the scheduler's verdict for one history entry:

1. if an ``op-restart-digest`` is recorded and differs from the computed
   restart digest: ``RESTART`` (a parameter that needs a restart changed);
2. else if no ``op-digest`` is recorded: ``UNKNOWN``;
3. else if ``op-digest`` differs from the computed "all" digest: ``CHANGED``;
4. else ``MATCH``.
5. Then, with ``secure_fallback`` (crm_simulate always works this way, since
   its input may have had passwords removed): if the verdict is not ``MATCH``
   and an ``op-secure-digest`` is recorded and equals the computed secure
   digest, the verdict becomes ``MATCH`` - even over a restart-digest mismatch.
   A secure-digest mismatch never makes a ``MATCH`` worse.

:func:`compare_digests` maps the verdict to what the scheduler does:

* ``MATCH`` -> nothing;
* recurring operation (interval > 0), any other verdict -> ``RESCHEDULE`` the
  monitor (cancel and re-run it; the resource is not restarted);
* interval 0 (start, probe found running, promote, migrate_from …):
  ``RESTART`` -> restart; ``CHANGED``/``UNKNOWN`` -> ``RELOAD`` when the entry
  has an ``op-restart-digest`` (that is how 2.1.5 knows the agent can reload;
  it then schedules ``reload-agent``), else restart ("agent doesn't support
  reload").

Which history entries are checked at all (only resources active on the node,
configured recurring ops, the last start/promote/migrate_from/probe …), and
that a pending start turns a reload into a restart, is scheduler context and
not decided here.  2.1.5 forces a re-check of a recurring op whose failure
expired by replacing its restart digest with :data:`FAILURE_TIMEOUT_DIGEST`,
which never equals a computed digest.

Older recorded digests
----------------------
Controllers before feature set ~3.0 recorded recurring-op digests *without*
``CRM_meta_timeout`` and sometimes with different parameter sets; 2.1.5 does
not compensate (every recorded version is compared with the rules above), so
such monitors are rescheduled.

Reproduction (scheduler regression cases, 579 CIBs)
---------------------------------------------------
* Against the digests 2.1.5 itself computes (``crm_simulate -VVVVVV`` trace of
  every configuration check whose resource parameters could be resolved from
  the case file; 374 other checks concern bundle-generated resources): 4493 of
  4493 "all" digests, 4493/4493 secure digests, 509/509 restart digests.
* Against recorded values (computed by the controllers of many versions):
  ``op-digest`` 12755 of 13555 entries of configured resources (94.1 %);
  ``op-secure-digest`` 983/1027; ``op-restart-digest`` 1806/1816.  The
  mismatches are configurations changed on purpose (params-*), masked
  passwords (``****``), feature set 1.0/2.0 monitors recorded without
  ``CRM_meta_timeout`` (~190), old controllers that dropped ``target_role``
  and similar (~70), and test histories copied from other configurations.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from hapy.graph.xml import escape_value
from hapy.records import record

if TYPE_CHECKING:
    from hashlib import md5
else:
    try:  # CPython's own MD5 loads much faster than hashlib's (OpenSSL): start-up time
        from _md5 import md5
    except ImportError:  # a Python built without it
        from hashlib import md5

__all__ = [
    "DEFAULT_OP_TIMEOUT_MS",
    "EMPTY_DIGEST",
    "FAILURE_TIMEOUT_DIGEST",
    "FILTERED_PARAMS",
    "LEGACY_SECURE_BEFORE",
    "META_PREFIX",
    "TIMEOUT_META",
    "ComputedDigests",
    "DigestResult",
    "DigestStatus",
    "RecordedDigests",
    "compare_digests",
    "compute_digests",
    "digest_of",
    "digest_parameters",
    "digest_status",
    "escape_value",
    "in_param_list",
    "is_fencing_param",
    "op_digest",
    "parse_param_list",
    "restart_digest",
    "restart_parameters",
    "secure_digest",
    "secure_parameters",
    "serialize_parameters",
    "unfencing_digest_entry",
    "unfencing_digest_matches",
    "uses_legacy_secure_digest",
]

#: Timeout (ms) of an operation with no timeout configured anywhere.
DEFAULT_OP_TIMEOUT_MS = 20_000

#: Prefix of action meta-attributes when they are passed as parameters.
META_PREFIX = "CRM_meta_"

#: The only meta-attribute kept in a digest (recurring operations only).
TIMEOUT_META = "CRM_meta_timeout"

#: Parameter names never hashed, whatever their origin.
FILTERED_PARAMS = frozenset(
    {"id", "crm_feature_set", "op-digest", "on_node", "on_node_uuid", "pcmk_external_ip"}
)

#: History entries recorded with a ``crm_feature_set`` below this use the
#: legacy secure digest.
LEGACY_SECURE_BEFORE = (3, 16, 0)

#: Restart digest 2.1.5 substitutes to force a re-check after a failure timeout.
FAILURE_TIMEOUT_DIGEST = "calculated-failure-timeout"

#: Digest of an empty parameter set (``' <parameters/>\n'``).
EMPTY_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"

_FENCING_PARAMS = frozenset(
    {
        "provides",
        "stonith-timeout",
        "pcmk_host_list",
        "pcmk_host_map",
        "pcmk_host_check",
        "pcmk_host_argument",
        "pcmk_delay_base",
        "pcmk_delay_max",
        "pcmk_action_limit",
    }
)
_FENCING_SUFFIXES = frozenset({"action", "timeout", "retries"})

# --------------------------------------------------------------------------
# Serialisation
# --------------------------------------------------------------------------


def serialize_parameters(params: Mapping[str, str]) -> str:
    """Return the exact text that is hashed for ``params`` (already filtered).

    >>> serialize_parameters({"state": "/tmp/x", "fake": "abc"})
    ' <parameters fake="abc" state="/tmp/x"/>\\n'
    """
    attrs = "".join(f' {name}="{escape_value(params[name])}"' for name in sorted(params))
    return f" <parameters{attrs}/>\n"


def digest_of(params: Mapping[str, str]) -> str:
    """MD5 (lowercase hex) of :func:`serialize_parameters` ``(params)``."""
    return md5(serialize_parameters(params).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------
# Parameter lists and names
# --------------------------------------------------------------------------


def _list_text(text: str) -> str:
    # Pacemaker's writer turns a tab into four spaces (and newlines into a
    # backslash sequence), so only spaces separate names in a stored list.
    return text.replace("\t", "    ").replace("\n", "\\n").replace("\r", "\\r")


def in_param_list(name: str, text: str | None) -> bool:
    """True if ``name`` is listed in an ``op-force-restart``/``op-secure-params`` value.

    Pacemaker's rule: ``" name "`` must occur in the value, so a name needs a
    space on both sides.
    """
    if text is None:
        return False
    return f" {name} " in _list_text(text)


def parse_param_list(text: str | None) -> tuple[str, ...]:
    """Names listed in an ``op-force-restart`` or ``op-secure-params`` value.

    Values look like ``" state  op_sleep "``; a name counts only when it has
    a space on both sides (``"state"`` or ``"a b"`` list nothing), exactly as
    :func:`in_param_list`.  Order of first appearance, no duplicates.
    ``None`` (attribute absent) gives ``()``.
    """
    if text is None:
        return ()
    norm = _list_text(text)
    names: list[str] = []
    for token in norm.split(" "):
        if token and token not in names and f" {token} " in norm:
            names.append(token)
    return tuple(names)


def _as_names(names: str | Collection[str] | None) -> frozenset[str] | None:
    """A raw list attribute (str) or a collection of names -> set of names."""
    if names is None:
        return None
    if isinstance(names, str):
        return frozenset(parse_param_list(names))
    return frozenset(names)


def is_fencing_param(name: str) -> bool:
    """True for parameters the fencer interprets itself (not sent to the agent).

    ``provides``, ``stonith-timeout``, ``pcmk_host_list``, ``pcmk_host_map``,
    ``pcmk_host_check``, ``pcmk_host_argument``, ``pcmk_delay_base``,
    ``pcmk_delay_max``, ``pcmk_action_limit``, and ``pcmk_<X>_action``,
    ``pcmk_<X>_timeout``, ``pcmk_<X>_retries`` where ``<X>`` contains no
    underscore (it may be empty: ``pcmk__action`` counts, ``pcmk_action`` and
    ``pcmk_a_b_action`` do not).  Only the legacy secure digest of a fencing
    resource removes them.
    """
    if name in _FENCING_PARAMS:
        return True
    if not name.startswith("pcmk_"):
        return False
    rest = name[len("pcmk_") :]
    sep = rest.find("_")
    return sep >= 0 and rest[sep + 1 :] in _FENCING_SUFFIXES


def _version_tuple(version: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in version.strip().split("."):
        m = re.match(r"\d+", piece)
        parts.append(int(m.group(0)) if m else 0)
    return tuple(parts)


def uses_legacy_secure_digest(crm_feature_set: str | None) -> bool:
    """True if a history entry with this ``crm_feature_set`` gets the legacy secure digest.

    Versions compare numerically component by component (missing components
    are 0).  No recorded version counts as current (not legacy).
    """
    if crm_feature_set is None or not crm_feature_set.strip():
        return False
    mine = _version_tuple(crm_feature_set)
    width = max(len(mine), len(LEGACY_SECURE_BEFORE))
    padded = mine + (0,) * (width - len(mine))
    limit = LEGACY_SECURE_BEFORE + (0,) * (width - len(LEGACY_SECURE_BEFORE))
    return padded < limit


def _hashable(name: str) -> bool:
    return name not in FILTERED_PARAMS and not name.startswith(META_PREFIX)


# --------------------------------------------------------------------------
# The three digests
# --------------------------------------------------------------------------


def digest_parameters(
    params: Mapping[str, str],
    *,
    interval_ms: int = 0,
    timeout_ms: int | None = None,
    op_params: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The parameter set hashed into ``op-digest`` (the "all" digest).

    :param params: the resource's evaluated instance attributes for the node
        the operation ran on (own sets, then template, then parents; see the
        module docstring).  Raw names and values, no ``CRM_meta_`` prefix.
    :param interval_ms: the operation's interval in ms (0 = not recurring).
    :param timeout_ms: the operation's effective timeout in ms; only used
        when ``interval_ms > 0``; ``None`` means none configured anywhere
        (:data:`DEFAULT_OP_TIMEOUT_MS`).
    :param op_params: instance attributes of the configured ``<op>`` with the
        same name and interval, if any.
    """
    merged: dict[str, str] = dict(params)
    for name, value in (op_params or {}).items():
        merged.setdefault(name, value)
    if interval_ms > 0:
        timeout = DEFAULT_OP_TIMEOUT_MS if timeout_ms is None else timeout_ms
        merged.setdefault(TIMEOUT_META, str(timeout))
    return {
        name: value
        for name, value in merged.items()
        if _hashable(name) or (name == TIMEOUT_META and interval_ms > 0)
    }


def op_digest(
    params: Mapping[str, str],
    *,
    interval_ms: int = 0,
    timeout_ms: int | None = None,
    op_params: Mapping[str, str] | None = None,
) -> str:
    """``op-digest`` of an operation; arguments as :func:`digest_parameters`.

    >>> op_digest({"ip": "127.0.0.14"})
    '74307acd7ffa84f71fe8a46100cdbbb0'
    """
    return digest_of(
        digest_parameters(
            params, interval_ms=interval_ms, timeout_ms=timeout_ms, op_params=op_params
        )
    )


def restart_parameters(
    params: Mapping[str, str],
    restart_params: str | Collection[str] | None,
    *,
    interval_ms: int = 0,
    timeout_ms: int | None = None,
    op_params: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The parameter set hashed into ``op-restart-digest``.

    :param restart_params: the ``op-force-restart`` value of the history
        entry (a raw string, parsed with :func:`parse_param_list`) or the
        names themselves; ``None`` when the attribute is absent, which keeps
        every parameter.
    Other arguments as :func:`digest_parameters`.
    """
    all_params = digest_parameters(
        params, interval_ms=interval_ms, timeout_ms=timeout_ms, op_params=op_params
    )
    keep = _as_names(restart_params)
    if keep is None:
        return all_params
    return {name: value for name, value in all_params.items() if name in keep}


def restart_digest(
    params: Mapping[str, str],
    restart_params: str | Collection[str] | None,
    *,
    interval_ms: int = 0,
    timeout_ms: int | None = None,
    op_params: Mapping[str, str] | None = None,
) -> str:
    """``op-restart-digest``; arguments as :func:`restart_parameters`."""
    return digest_of(
        restart_parameters(
            params,
            restart_params,
            interval_ms=interval_ms,
            timeout_ms=timeout_ms,
            op_params=op_params,
        )
    )


def secure_parameters(
    params: Mapping[str, str],
    secure_params: str | Collection[str] | None,
    *,
    op_version: str | None = None,
    fencing: bool = False,
    interval_ms: int = 0,
    timeout_ms: int | None = None,
    op_params: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The parameter set hashed into ``op-secure-digest``.

    :param secure_params: the ``op-secure-params`` value of the history entry
        (raw string) or the names; ``None`` when absent (nothing removed by
        the list).
    :param op_version: the ``crm_feature_set`` recorded on the history entry;
        below 3.16.0 the legacy rule applies (resource parameters only, and
        fencing parameters removed when ``fencing``).
    :param fencing: the resource is of class ``stonith``.
    Other arguments as :func:`digest_parameters`.
    """
    drop = _as_names(secure_params) or frozenset()
    if uses_legacy_secure_digest(op_version):
        return {
            name: value
            for name, value in params.items()
            if _hashable(name) and name not in drop and not (fencing and is_fencing_param(name))
        }
    all_params = digest_parameters(
        params, interval_ms=interval_ms, timeout_ms=timeout_ms, op_params=op_params
    )
    return {
        name: value
        for name, value in all_params.items()
        if name not in drop and name != TIMEOUT_META
    }


def secure_digest(
    params: Mapping[str, str],
    secure_params: str | Collection[str] | None,
    *,
    op_version: str | None = None,
    fencing: bool = False,
    interval_ms: int = 0,
    timeout_ms: int | None = None,
    op_params: Mapping[str, str] | None = None,
) -> str:
    """``op-secure-digest``; arguments as :func:`secure_parameters`."""
    return digest_of(
        secure_parameters(
            params,
            secure_params,
            op_version=op_version,
            fencing=fencing,
            interval_ms=interval_ms,
            timeout_ms=timeout_ms,
            op_params=op_params,
        )
    )


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------


@record
class RecordedDigests:
    """The digest-related attributes of one ``<lrm_rsc_op>`` (``None`` = absent)."""

    op_digest: str | None = None
    restart_digest: str | None = None
    secure_digest: str | None = None
    force_restart: str | None = None
    secure_params: str | None = None
    crm_feature_set: str | None = None

    @classmethod
    def from_attrs(cls, attrs: Mapping[str, str]) -> RecordedDigests:
        """Build from the attributes of an ``<lrm_rsc_op>`` element."""
        return cls(
            op_digest=attrs.get("op-digest"),
            restart_digest=attrs.get("op-restart-digest"),
            secure_digest=attrs.get("op-secure-digest"),
            force_restart=attrs.get("op-force-restart"),
            secure_params=attrs.get("op-secure-params"),
            crm_feature_set=attrs.get("crm_feature_set"),
        )


@record
class ComputedDigests:
    """Digests computed from the current configuration for one history entry."""

    all: str
    secure: str
    #: ``None`` when the history entry has no ``op-restart-digest``.
    restart: str | None = None


def compute_digests(
    params: Mapping[str, str],
    recorded: RecordedDigests,
    *,
    interval_ms: int = 0,
    timeout_ms: int | None = None,
    op_params: Mapping[str, str] | None = None,
    fencing: bool = False,
) -> ComputedDigests:
    """Compute the digests to compare with ``recorded``, as 2.1.5 does.

    The lists and the version come from the history entry: the restart
    digest is computed only if ``recorded.restart_digest`` is present.
    Other arguments as :func:`digest_parameters` / :func:`secure_parameters`.
    Many resources of a big cluster share their parameters, so equal
    questions are answered once (a pure function, memoised).
    """
    return _computed_digests(
        tuple(params.items()), recorded.restart_digest is not None, recorded.force_restart,
        recorded.secure_params, recorded.crm_feature_set, interval_ms, timeout_ms,
        tuple(op_params.items()) if op_params else (), fencing,
    )


@functools.lru_cache(maxsize=4096)
def _computed_digests(
    param_items: tuple[tuple[str, str], ...],
    with_restart: bool,
    force_restart: str | None,
    secure_params: str | None,
    crm_feature_set: str | None,
    interval_ms: int,
    timeout_ms: int | None,
    op_param_items: tuple[tuple[str, str], ...],
    fencing: bool,
) -> ComputedDigests:
    params = dict(param_items)
    op_params = dict(op_param_items)
    restart = None
    if with_restart:
        restart = restart_digest(
            params,
            force_restart,
            interval_ms=interval_ms,
            timeout_ms=timeout_ms,
            op_params=op_params,
        )
    return ComputedDigests(
        all=op_digest(params, interval_ms=interval_ms, timeout_ms=timeout_ms, op_params=op_params),
        secure=secure_digest(
            params,
            secure_params,
            op_version=crm_feature_set,
            fencing=fencing,
            interval_ms=interval_ms,
            timeout_ms=timeout_ms,
            op_params=op_params,
        ),
        restart=restart,
    )


class DigestStatus(enum.Enum):
    """The scheduler's verdict on one history entry."""

    MATCH = "match"
    #: ``op-restart-digest`` differs: a parameter needing a restart changed.
    RESTART = "restart"
    #: ``op-digest`` differs (only reloadable parameters, if any, changed).
    CHANGED = "changed"
    #: No ``op-digest`` recorded.
    UNKNOWN = "unknown"


class DigestResult(enum.Enum):
    """What the scheduler does about one history entry."""

    MATCH = "match"
    #: Stop and start the resource.
    RESTART = "restart"
    #: Reload the resource in place (``reload-agent``).
    RELOAD = "reload"
    #: Cancel and re-run the recurring operation only.
    RESCHEDULE = "reschedule"


def digest_status(
    recorded: RecordedDigests,
    computed: ComputedDigests,
    *,
    secure_fallback: bool = True,
) -> DigestStatus:
    """Compare recorded and computed digests (steps 1-5 of the module docstring).

    :param secure_fallback: accept a matching ``op-secure-digest`` when the
        other comparisons fail, as ``crm_simulate`` does (its CIBs may have had
        secrets removed).
    """
    if (
        recorded.restart_digest is not None
        and computed.restart is not None
        and recorded.restart_digest != computed.restart
    ):
        status = DigestStatus.RESTART
    elif recorded.op_digest is None:
        status = DigestStatus.UNKNOWN
    elif recorded.op_digest != computed.all:
        status = DigestStatus.CHANGED
    else:
        status = DigestStatus.MATCH
    if (
        secure_fallback
        and status is not DigestStatus.MATCH
        and recorded.secure_digest is not None
        and recorded.secure_digest == computed.secure
    ):
        status = DigestStatus.MATCH
    return status


def compare_digests(
    recorded: RecordedDigests,
    computed: ComputedDigests,
    *,
    interval_ms: int,
    secure_fallback: bool = True,
) -> DigestResult:
    """Decide restart / reload / reschedule for one history entry.

    Recurring operations (``interval_ms > 0``) are only ever rescheduled.
    For interval-0 entries a restart-digest mismatch means restart; any other
    mismatch means reload if the entry records an ``op-restart-digest``
    (reload supported), else restart.
    """
    status = digest_status(recorded, computed, secure_fallback=secure_fallback)
    if status is DigestStatus.MATCH:
        return DigestResult.MATCH
    if interval_ms > 0:
        return DigestResult.RESCHEDULE
    if status is DigestStatus.RESTART or recorded.restart_digest is None:
        return DigestResult.RESTART
    return DigestResult.RELOAD


# --------------------------------------------------------------------------
# Unfencing digests (node attributes #digests-all / #digests-secure)
# --------------------------------------------------------------------------


def unfencing_digest_entry(rsc_id: str, agent_type: str, digest: str) -> str:
    """One entry of the ``#digests-all``/``#digests-secure`` node attributes.

    Those attributes hold ``"<rsc>:<agent type>:<digest>,"`` for each fencing
    device that unfenced the node; the digest is the device's
    :func:`op_digest` (resp. :func:`secure_digest`) with no op parameters.
    """
    return f"{rsc_id}:{agent_type}:{digest}"


def unfencing_digest_matches(entry: str, node_value: str | None) -> bool:
    """True if ``entry`` occurs in the node attribute value (substring test)."""
    return node_value is not None and entry in node_value
