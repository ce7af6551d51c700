"""From a :class:`SetupSpec` to corosync.conf: the checks, then the file.

What is written follows pcs's choices for a new cluster: knet, crypto on
(aes256 and sha256) unless ``crypto cipher=none hash=none``, node ids 1..N in
the order given, a node without ``addr=`` reached by its name, votequorum
with ``two_node: 1`` for two nodes (unless ``auto_tie_breaker=1``), and a log
file.  Unknown options are errors that ``--force`` turns into warnings.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping

from hapy.cluster.corosync_conf import Section
from hapy.commands.corosync.grammar import Pairs, SetupSpec
from hapy.commands.corosync.paths import NodePaths
from hapy.reports import Report, ReportList, Severity, report

MAX_LINKS = 8
_INT = "integer"
_BOOL01 = ("0", "1")

#: option -> allowed values (a tuple), or "integer"
TRANSPORT_OPTIONS: Mapping[str, tuple[str, ...] | str] = {
    "ip_version": ("ipv4", "ipv6", "ipv4-6", "ipv6-4"),
    "knet_pmtud_interval": _INT,
    "link_mode": ("active", "passive", "rr"),
}
LINK_OPTIONS: Mapping[str, tuple[str, ...] | str] = {
    "link_priority": _INT, "linknumber": _INT, "mcastport": _INT, "ping_interval": _INT,
    "ping_precision": _INT, "ping_timeout": _INT, "pong_count": _INT,
    "transport": ("sctp", "udp"),
}
#: pcs's link option -> corosync's interface key
LINK_KEYS = {"link_priority": "knet_link_priority", "ping_interval": "knet_ping_interval",
             "ping_precision": "knet_ping_precision", "ping_timeout": "knet_ping_timeout",
             "pong_count": "knet_pong_count", "transport": "knet_transport"}
COMPRESSION_OPTIONS: Mapping[str, tuple[str, ...] | str] = {
    "level": _INT, "model": ("none", "zlib", "lz4", "lz4hc", "lzo2", "lzma", "bzip2", "zstd"),
    "threshold": _INT,
}
CRYPTO_OPTIONS: Mapping[str, tuple[str, ...] | str] = {
    "cipher": ("none", "aes256", "aes192", "aes128"),
    "hash": ("none", "md5", "sha1", "sha256", "sha384", "sha512"),
    "model": ("nss", "openssl"),
}
TOTEM_OPTIONS: Mapping[str, tuple[str, ...] | str] = {
    "block_unlisted_ips": ("yes", "no"),
    **{name: _INT for name in (
        "consensus", "downcheck", "fail_recv_const", "heartbeat_failures_allowed", "hold",
        "join", "max_messages", "max_network_delay", "merge", "miss_count_const",
        "send_join", "seqno_unchanged_const", "token", "token_coefficient",
        "token_retransmit", "token_retransmits_before_loss_const", "window_size")},
}
QUORUM_OPTIONS: Mapping[str, tuple[str, ...] | str] = {
    "auto_tie_breaker": _BOOL01, "last_man_standing": _BOOL01,
    "last_man_standing_window": _INT, "wait_for_all": _BOOL01,
}
DEFAULT_CRYPTO = (("cipher", "aes256"), ("hash", "sha256"))
#: characters that cannot appear in a corosync.conf value hapy writes
_BAD_CHARS = set(" \t\n{}#")

Resolver = Callable[[str], bool]


def resolvable(address: str) -> bool:
    """Whether ``address`` is an IP address or a name that resolves."""
    try:
        ipaddress.ip_address(address)
        return True
    except ValueError:
        pass
    try:
        return bool(socket.getaddrinfo(address, None))
    except (OSError, UnicodeError):
        return False


def _family(address: str) -> int | None:
    try:
        return ipaddress.ip_address(address).version
    except ValueError:
        return None  # a name: corosync resolves it with ip_version


def _error(code: str, message: str, *, forceable: bool = False, hint: str = "",
           **context: str) -> Report:
    return report(code, message, severity=Severity.ERROR, forceable=forceable, hint=hint,
                  **context)


def _check_options(out: ReportList, section: str, pairs: Pairs,
                   allowed: Mapping[str, tuple[str, ...] | str]) -> None:
    seen: set[str] = set()
    for key, value in pairs:
        if key in seen:
            out.add(_error("CLUSTER_SETUP_OPTION_TWICE", f"{section} option {key!r} is given "
                           "twice", section=section, option=key))
        seen.add(key)
        kind = allowed.get(key)
        if kind is None:
            out.add(_error("CLUSTER_SETUP_UNKNOWN_OPTION", f"unknown {section} option {key!r}",
                           forceable=True, hint="allowed: " + ", ".join(sorted(allowed)),
                           section=section, option=key))
            if not value or _BAD_CHARS & set(value):
                out.add(_error("CLUSTER_SETUP_BAD_VALUE", f"{section} option {key}: "
                               f"{value!r} cannot be written to corosync.conf",
                               section=section, option=key))
        elif kind == _INT:
            if not value.isdigit():
                out.add(_error("CLUSTER_SETUP_BAD_VALUE", f"{section} option {key} must be a "
                               f"non-negative integer, not {value!r}", section=section,
                               option=key))
        elif value not in kind:
            out.add(_error("CLUSTER_SETUP_BAD_VALUE", f"{section} option {key} must be one of "
                           f"{', '.join(kind)}, not {value!r}", section=section, option=key))


def node_addresses(spec: SetupSpec) -> list[tuple[str, ...]]:
    """Each node's addresses: those given, else its name."""
    return [node.addrs or (node.name,) for node in spec.nodes]


def validate(spec: SetupSpec, *, force: bool = False,
             resolve: Resolver = resolvable) -> ReportList:
    """Every problem of ``spec`` (forceable ones become warnings with ``force``)."""
    out = ReportList(force=force)
    if _BAD_CHARS & set(spec.cluster_name) or not spec.cluster_name:
        out.add(_error("CLUSTER_SETUP_BAD_NAME", f"the cluster name {spec.cluster_name!r} "
                       "may not be empty nor contain spaces, '{', '}' or '#'"))
    elif len(spec.cluster_name) > 32:
        out.warning("CLUSTER_SETUP_LONG_NAME", f"the cluster name {spec.cluster_name!r} is "
                    "longer than 32 characters: GFS2 and DLM cannot use it")
    if spec.transport != "knet":
        out.add(_error("CLUSTER_SETUP_TRANSPORT", f"transport {spec.transport!r} is not "
                       "supported: hapy sets up knet clusters (Corosync 3's own)",
                       hint="use 'transport knet' or leave it out"))
    names = [node.name for node in spec.nodes]
    for name in sorted({n for n in names if names.count(n) > 1}):
        out.add(_error("CLUSTER_SETUP_NODE_TWICE", f"node {name!r} is given twice", node=name))
    for name in names:
        if _BAD_CHARS & set(name) or "=" in name:
            out.add(_error("CLUSTER_SETUP_BAD_NODE_NAME", f"node name {name!r} may not "
                           "contain spaces, '=', '{', '}' or '#'", node=name))
    addresses = node_addresses(spec)
    counts = {len(a) for a in addresses}
    if len({bool(node.addrs) for node in spec.nodes}) > 1 or len(counts) > 1:
        out.add(_error("CLUSTER_SETUP_ADDR_COUNT", "every node needs the same number of "
                       "addresses (one per link): "
                       + ", ".join(f"{n.name} has {len(a)}"
                                   for n, a in zip(spec.nodes, addresses, strict=True))))
    links = max(counts) if counts else 0
    if links > MAX_LINKS:
        out.add(_error("CLUSTER_SETUP_TOO_MANY_LINKS", f"knet has at most {MAX_LINKS} links, "
                       f"not {links}"))
    flat = [a for node_addrs in addresses for a in node_addrs]
    for addr in sorted({a for a in flat if flat.count(a) > 1}):
        out.add(_error("CLUSTER_SETUP_ADDR_TWICE", f"address {addr!r} is given twice",
                       address=addr))
    for node, node_addrs in zip(spec.nodes, addresses, strict=True):
        for addr in node_addrs:
            if not addr or _BAD_CHARS & set(addr):
                out.add(_error("CLUSTER_SETUP_BAD_ADDR", f"{node.name}: bad address {addr!r}",
                               node=node.name))
            elif not resolve(addr):
                out.add(_error("CLUSTER_SETUP_ADDR_UNRESOLVABLE", f"{node.name}: cannot "
                               f"resolve address {addr!r}", forceable=True,
                               hint="give addr=IP, or fix name resolution (/etc/hosts)",
                               node=node.name, address=addr))
    if len(counts) == 1:
        for number in range(links):
            families = {f for a in addresses if (f := _family(a[number])) is not None}
            if len(families) > 1:
                out.add(_error("CLUSTER_SETUP_MIXED_FAMILIES", f"link {number} mixes IPv4 "
                               "and IPv6 addresses", link=str(number)))
    _check_options(out, "transport", spec.transport_options, TRANSPORT_OPTIONS)
    numbers: list[int] = []
    for link in spec.links:
        _check_options(out, "link", link, LINK_OPTIONS)
        given = dict(link).get("linknumber")
        if given is not None and given.isdigit():
            if int(given) >= links:
                out.add(_error("CLUSTER_SETUP_BAD_LINK", f"linknumber {given}: the nodes "
                               f"have {links} address(es), links 0-{links - 1}",
                               link=given))
            numbers.append(int(given))
    if len(spec.links) > links:
        out.add(_error("CLUSTER_SETUP_BAD_LINK", f"{len(spec.links)} link sections for "
                       f"{links} link(s) (one address per node and link)"))
    if len(numbers) != len(set(numbers)):
        out.add(_error("CLUSTER_SETUP_BAD_LINK", "a linknumber is given twice"))
    _check_options(out, "compression", spec.compression, COMPRESSION_OPTIONS)
    _check_options(out, "crypto", spec.crypto, CRYPTO_OPTIONS)
    crypto = dict(DEFAULT_CRYPTO) | dict(spec.crypto)
    if crypto.get("cipher") != "none" and crypto.get("hash") == "none":
        out.add(_error("CLUSTER_SETUP_CRYPTO", "crypto cipher needs a hash: corosync "
                       "refuses cipher without hash", hint="crypto cipher=none hash=none "
                       "turns crypto off; hash=sha256 keeps it on"))
    _check_options(out, "totem", spec.totem, TOTEM_OPTIONS)
    _check_options(out, "quorum", spec.quorum, QUORUM_OPTIONS)
    return out


def _link_numbers(spec: SetupSpec) -> list[int]:
    """The link number of each ``link`` section: its linknumber, else the lowest unused."""
    used = {int(n) for link in spec.links if (n := dict(link).get("linknumber")) is not None
            and n.isdigit()}
    numbers = []
    free = (n for n in range(MAX_LINKS) if n not in used)
    for link in spec.links:
        given = dict(link).get("linknumber")
        numbers.append(int(given) if given is not None and given.isdigit() else next(free))
    return numbers


def build_conf(spec: SetupSpec, paths: NodePaths) -> Section:
    """corosync.conf for ``spec`` (validated first); files outside the default
    places (``HAPY_ROOT``) are named in it."""
    totem = Section("totem", [("version", "2"), ("cluster_name", spec.cluster_name),
                              ("transport", spec.transport)])
    for key, value in spec.transport_options:
        totem.set(key, value)
    crypto = dict(DEFAULT_CRYPTO) | dict(spec.crypto)
    totem.set("crypto_cipher", crypto["cipher"])
    totem.set("crypto_hash", crypto["hash"])
    if "model" in crypto:
        totem.set("crypto_model", crypto["model"])
    for key, value in spec.compression:
        totem.set(f"knet_compression_{key}", value)
    for key, value in spec.totem:
        totem.set(key, value)
    if not paths.is_default:
        totem.set("keyfile", str(paths.authkey))
    for number, link in sorted(zip(_link_numbers(spec), spec.links, strict=True)):
        interface = Section("interface", [("linknumber", str(number))])
        for key, value in link:
            if key != "linknumber":
                interface.set(LINK_KEYS.get(key, key), value)
        totem.items.append(interface)
    nodelist = Section("nodelist")
    for nodeid, (node, addrs) in enumerate(zip(spec.nodes, node_addresses(spec),
                                               strict=True), 1):
        entry = Section("node")
        for number, addr in enumerate(addrs):
            entry.set(f"ring{number}_addr", addr)
        entry.set("name", node.name)
        entry.set("nodeid", str(nodeid))
        nodelist.items.append(entry)
    quorum = Section("quorum", [("provider", "corosync_votequorum")])
    options = dict(spec.quorum)
    if len(spec.nodes) == 2 and options.get("auto_tie_breaker") != "1":
        quorum.set("two_node", "1")
    for key, value in spec.quorum:
        quorum.set(key, value)
    logging = Section("logging", [("to_logfile", "yes"), ("logfile", str(paths.corosync_log)),
                                  ("to_syslog", "yes"), ("timestamp", "on")])
    root = Section("", [totem, nodelist, quorum, logging])
    if not paths.is_default:
        root.items.append(Section("system", [("state_dir", str(paths.corosync_state_dir))]))
    return root
