"""corosync.conf: the format read and written as a tree of sections.

The file is ``name {`` ... ``}`` sections holding ``key: value`` lines and
further sections; ``#`` starts a comment line.  :func:`parse` keeps order and
repeated sections (``node`` in ``nodelist``, ``interface`` in ``totem``);
:func:`render` writes the tree back with four-space indentation.  Accessors
read what hapy needs: the cluster name and the nodelist.
"""

from __future__ import annotations

from collections.abc import Iterator

from hapy.records import field, record
from hapy.reports import HapyError, report


@record(frozen=False, eq=False)
class Section:
    """A section: its name and its items in order (``(key, value)`` pairs and sections)."""

    name: str
    items: list[tuple[str, str] | Section] = field(default_factory=list)

    def get(self, key: str) -> str | None:
        """The last value of ``key`` directly in this section (corosync keeps the last)."""
        found = None
        for item in self.items:
            if isinstance(item, tuple) and item[0] == key:
                found = item[1]
        return found

    def set(self, key: str, value: str) -> None:
        """Replace every ``key`` line here by one (in the first one's place) or append it."""
        kept: list[tuple[str, str] | Section] = []
        placed = False
        for item in self.items:
            if isinstance(item, tuple) and item[0] == key:
                if not placed:
                    kept.append((key, value))
                    placed = True
                continue
            kept.append(item)
        if not placed:
            kept.append((key, value))
        self.items = kept

    def remove(self, key: str) -> None:
        """Drop every ``key`` line directly in this section."""
        self.items = [item for item in self.items
                      if not (isinstance(item, tuple) and item[0] == key)]

    def sections(self, name: str) -> list[Section]:
        return [item for item in self.items if isinstance(item, Section) and item.name == name]

    def section(self, name: str) -> Section | None:
        found = self.sections(name)
        return found[0] if found else None

    def ensure(self, name: str) -> Section:
        """The first section ``name``, added at the end when there is none."""
        existing = self.section(name)
        if existing is None:
            existing = Section(name)
            self.items.append(existing)
        return existing

    def pairs(self) -> Iterator[tuple[str, str]]:
        for item in self.items:
            if isinstance(item, tuple):
                yield item


@record
class ConfNode:
    """A node of the nodelist."""

    nodeid: int | None
    name: str | None
    #: ring0_addr, ring1_addr... in link order
    addrs: tuple[str, ...]

    @property
    def label(self) -> str:
        """What corosync calls the node: its name, else its first address."""
        return self.name or (self.addrs[0] if self.addrs else f"node{self.nodeid}")


def _invalid(path: str, line: int, message: str) -> HapyError:
    return HapyError([report("COROSYNC_CONF_INVALID", f"{path}:{line}: {message}",
                             hint="fix corosync.conf (corosync -t -c FILE checks it)",
                             file=path)])


def parse(text: str, path: str = "corosync.conf") -> Section:
    """The tree of ``text`` (raises ``COROSYNC_CONF_INVALID`` on a syntax error)."""
    root = Section("")
    stack = [root]
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("{"):
            name = line[:-1].strip()
            if not name or ":" in name or " " in name:
                raise _invalid(path, number, f"bad section header {line!r}")
            section = Section(name)
            stack[-1].items.append(section)
            stack.append(section)
        elif line == "}":
            if len(stack) == 1:
                raise _invalid(path, number, "'}' closes no section")
            stack.pop()
        elif ":" in line:
            key, value = line.split(":", 1)
            key = key.strip()
            if not key or " " in key:
                raise _invalid(path, number, f"bad key in {line!r}")
            stack[-1].items.append((key, value.strip()))
        else:
            raise _invalid(path, number, f"expected 'key: value', 'name {{' or '}}', not "
                           f"{line!r}")
    if len(stack) > 1:
        raise _invalid(path, len(text.splitlines()), f"section {stack[-1].name!r} is not "
                       "closed (missing '}')")
    return root


def render(root: Section) -> str:
    """``root``'s sections as corosync.conf text (a blank line between top sections)."""
    out: list[str] = []

    def emit(section: Section, depth: int) -> None:
        pad = "    " * depth
        out.append(f"{pad}{section.name} {{")
        for index, item in enumerate(section.items):
            if isinstance(item, Section):
                if index:
                    out.append("")
                emit(item, depth + 1)
            else:
                out.append(f"{pad}    {item[0]}: {item[1]}")
        out.append(f"{pad}}}")

    for index, item in enumerate(root.items):
        if isinstance(item, Section):
            if index:
                out.append("")
            emit(item, 0)
        else:
            out.append(f"{item[0]}: {item[1]}")
    return "\n".join(out) + "\n"


def nodelist(root: Section) -> list[ConfNode]:
    """The nodes of the nodelist, in order."""
    section = root.section("nodelist")
    if section is None:
        return []
    nodes = []
    for node in section.sections("node"):
        values = dict(node.pairs())
        addrs = []
        for link in range(8):
            addr = values.get(f"ring{link}_addr")
            if addr is None:
                break
            addrs.append(addr)
        nodeid = values.get("nodeid")
        nodes.append(ConfNode(int(nodeid) if nodeid and nodeid.isdigit() else None,
                              values.get("name"), tuple(addrs)))
    return nodes


def cluster_name(root: Section) -> str | None:
    totem = root.section("totem")
    return totem.get("cluster_name") if totem else None


def crypto_enabled(root: Section) -> bool:
    """Whether knet encrypts or signs (then corosync needs its authkey)."""
    totem = root.section("totem")
    if totem is None:
        return False
    if (totem.get("transport") or "knet") != "knet":
        return False
    cipher = totem.get("crypto_cipher") or "none"
    digest = totem.get("crypto_hash") or "none"
    return cipher != "none" or digest != "none"


def keyfile(root: Section, default: str) -> str:
    totem = root.section("totem")
    return (totem.get("keyfile") if totem else None) or default
