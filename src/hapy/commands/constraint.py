"""Constraint commands (pcs constraint): location, colocation, order; remove; list."""

from __future__ import annotations

from collections.abc import Sequence

from hapy.cib import build
from hapy.cib.xmlio import parse_xml_text
from hapy.commands.env import ClusterEnv, cib_change, cib_query
from hapy.records import record
from hapy.reports import HapyError, report

_ROLES = {"promoted": "Promoted", "unpromoted": "Unpromoted", "started": "Started",
          "stopped": "Stopped", "master": "Promoted", "slave": "Unpromoted"}
_ACTIONS = ("start", "stop", "promote", "demote")


def _bad(message: str, hint: str = "") -> HapyError:
    return HapyError([report("CONSTRAINT_BAD_ARGUMENTS", message, hint=hint)])


def _exists(env: ClusterEnv, rsc: str) -> None:
    ident = build.check_id(rsc, "resource id")
    if not cib_query(env, xpath=f"/cib/configuration/resources//*[@id='{ident}'] | "
                                f"/cib/configuration/tags/tag[@id='{ident}']"):
        raise HapyError([report("RESOURCE_NOT_FOUND", f"resource '{rsc}' does not exist",
                                resource=rsc)])


def _create(env: ClusterEnv, xml: str) -> None:
    cib_change(env, "create", xml, scope="constraints")


def location(env: ClusterEnv, rsc: str, verb: str, targets: Sequence[str]) -> list[str]:
    """``RSC prefers|avoids NODE[=SCORE]...``; returns the constraint ids."""
    if verb not in ("prefers", "avoids") or not targets:
        raise _bad("expected: RESOURCE prefers|avoids NODE[=SCORE]...")
    _exists(env, rsc)
    made = []
    for target in targets:
        node, _, score = target.partition("=")
        score = score or "INFINITY"
        if verb == "avoids":
            score = score[1:] if score.startswith("-") else f"-{score}"
        ident = build.sanitize_id(f"location-{rsc}-{node}-{score}")
        _create(env, f'<rsc_location id="{ident}" rsc="{rsc}" '
                f'node="{build.check_id(node, "node name")}" score="{score}"/>')
        made.append(ident)
    return made


@record
class _Options:
    ident: str | None
    extra: dict[str, str]


def _options(words: Sequence[str], allowed: Sequence[str]) -> _Options:
    from hapy.commands.resource import parse_pairs

    pairs = dict(parse_pairs(words))
    ident = pairs.pop("id", None)
    for name in pairs:
        if name not in allowed:
            raise _bad(f"unknown option '{name}'", hint="allowed: " + ", ".join(allowed))
    return _Options(ident, pairs)


def colocation(env: ClusterEnv, words: Sequence[str]) -> str:
    """``[ROLE] RSC with [ROLE] WITH_RSC [SCORE] [id=ID]``."""
    rest = list(words)
    role = _ROLES.get(rest[0].lower()) if rest else None
    if role:
        rest.pop(0)
    if len(rest) < 3 or rest[1] != "with":
        raise _bad("expected: [ROLE] RESOURCE with [ROLE] RESOURCE [SCORE] [id=ID]")
    rsc = rest[0]
    rest = rest[2:]
    with_role = _ROLES.get(rest[0].lower())
    if with_role:
        rest.pop(0)
    if not rest:
        raise _bad("missing the resource to colocate with")
    with_rsc = rest.pop(0)
    score = "INFINITY"
    if rest and "=" not in rest[0]:
        score = rest.pop(0)
    opts = _options(rest, ())
    for name in (rsc, with_rsc):
        _exists(env, name)
    ident = opts.ident or build.sanitize_id(f"colocation-{rsc}-{with_rsc}-{score}")
    roles = (f' rsc-role="{role}"' if role else "") + \
        (f' with-rsc-role="{with_role}"' if with_role else "")
    _create(env, f'<rsc_colocation id="{ident}" rsc="{rsc}" with-rsc="{with_rsc}" '
            f'score="{score}"{roles}/>')
    return ident


def order(env: ClusterEnv, words: Sequence[str]) -> str:
    """``[ACTION] FIRST then [ACTION] THEN [kind=..] [symmetrical=..] [id=ID]``."""
    rest = list(words)
    first_action = rest.pop(0) if rest and rest[0] in _ACTIONS else "start"
    if len(rest) < 3 or rest[1] != "then":
        raise _bad("expected: [ACTION] RESOURCE then [ACTION] RESOURCE [options]")
    first = rest[0]
    rest = rest[2:]
    then_action = rest.pop(0) if rest and rest[0] in _ACTIONS else first_action
    if not rest:
        raise _bad("missing the resource to order after")
    then = rest.pop(0)
    opts = _options(rest, ("kind", "symmetrical", "require-all"))
    for name in (first, then):
        _exists(env, name)
    kind = opts.extra.get("kind", "Mandatory")
    ident = opts.ident or build.sanitize_id(f"order-{first}-{then}-{kind.lower()}")
    extra = "".join(f' {k}="{v}"' for k, v in opts.extra.items())
    _create(env, f'<rsc_order id="{ident}" first="{first}" first-action="{first_action}" '
            f'then="{then}" then-action="{then_action}"{extra}/>')
    return ident


def remove(env: ClusterEnv, ident: str) -> None:
    xpath = f"/cib/configuration/constraints/*[@id='{build.check_id(ident, 'constraint id')}']"
    if not cib_query(env, xpath=xpath):
        raise HapyError([report("CONSTRAINT_NOT_FOUND", f"constraint '{ident}' does not exist",
                                constraint=ident)])
    cib_change(env, "delete", xpath=xpath)


def list_lines(env: ClusterEnv) -> list[str]:
    """pcs constraint's listing."""
    found = cib_query(env, scope="constraints")
    section = parse_xml_text(found[0]) if found else None
    items = list(section) if section is not None else []
    loc = [c for c in items if c.tag == "rsc_location"]
    ords = [c for c in items if c.tag == "rsc_order"]
    cols = [c for c in items if c.tag == "rsc_colocation"]
    lines = ["Location Constraints:"]
    for c in loc:
        score = c.get("score", "")
        where = "Disabled on" if score.startswith("-") else "Enabled on"
        lines += [f"  Resource: {c.get('rsc')}", f"    {where}:",
                  f"      Node: {c.get('node')} (score:{score}) (id:{c.get('id')})"]
    lines.append("Ordering Constraints:")
    for c in ords:
        lines.append(f"  {c.get('first-action', 'start')} {c.get('first')} then "
                     f"{c.get('then-action', c.get('first-action', 'start'))} {c.get('then')} "
                     f"(kind:{c.get('kind', 'Mandatory')}) (id:{c.get('id')})")
    lines.append("Colocation Constraints:")
    for c in cols:
        lines.append(f"  {c.get('rsc')} with {c.get('with-rsc')} (score:{c.get('score')}) "
                     f"(id:{c.get('id')})")
    return lines
