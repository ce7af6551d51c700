"""hapy.records behaves like the standard @dataclass it replaces."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from hapy.records import FrozenInstanceError, field, fields, record, replace


@record
class Point:
    """A frozen record."""

    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)
    note: str = field(default="", compare=False)
    kind: ClassVar[str] = "point"


@dataclasses.dataclass(frozen=True)
class PointDC:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    extra: Mapping[str, str] = dataclasses.field(default_factory=dict)
    note: str = dataclasses.field(default="", compare=False)


@record
class One:
    value: int


@record(frozen=False)
class Mutable:
    name: str
    items: list[int] = field(default_factory=list)


@record(frozen=False, eq=False)
class Node:
    name: str
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)


def test_init_defaults_and_factories() -> None:
    p = Point(1)
    assert (p.x, p.y, p.tags, p.extra, p.note) == (1, 0, (), {}, "")
    assert Point(1).extra is not p.extra  # a fresh value each time
    assert Point(x=2, y=3, note="n").y == 3
    assert Point.y == 0 and Point.note == "" and not hasattr(Point, "extra")
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, z=2)  # type: ignore[call-arg]


def test_same_repr_eq_hash_as_dataclass() -> None:
    args: list[Any] = [(1,), (1, 2, ("a",)), (3, 4, (), {}, "note")]
    for a in args:
        ours, theirs = Point(*a), PointDC(*a)
        assert repr(ours) == repr(theirs).replace("PointDC", "Point")
    for a in args[:2]:
        ours, theirs = Point(*a, extra=()), PointDC(*a, extra=())  # type: ignore[arg-type, misc]
        assert hash(ours) == hash(theirs)  # sets of records iterate the same way
    assert Point(1, note="a") == Point(1, note="b")  # compare=False
    assert Point(1) != Point(2)
    assert Point(1) != PointDC(1)  # type: ignore[comparison-overlap]
    assert hash(One(5)) == hash(dataclasses.make_dataclass("D", ["value"], frozen=True)(5))
    assert "kind" not in [f.name for f in fields(Point)]


def test_frozen() -> None:
    p = Point(1)
    with pytest.raises(FrozenInstanceError):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.x


def test_replace() -> None:
    p = Point(1, 2, note="n")
    q = replace(p, y=5)
    assert (q.x, q.y, q.note) == (1, 5, "n") and p.y == 2


def test_mutable_records() -> None:
    m = Mutable("a")
    m.items.append(1)
    assert m == Mutable("a", [1])
    with pytest.raises(TypeError):
        hash(m)
    root = Node("root")
    child = Node("child", parent=root)
    root.children.append(child)
    assert child != Node("child", parent=root)  # identity
    assert {root: 1}[root] == 1
    assert "..." in repr(root)  # the cycle is cut


def test_written_methods_win() -> None:
    @record
    class Named:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

    assert repr(Named("x")) == "<x>"
    assert hash(Named("x")) == hash(("x",))


def test_inherited_fields() -> None:
    @record
    class Base:
        a: int

    @record
    class Derived(Base):
        b: int = 1

    d = Derived(1)
    assert (d.a, d.b) == (1, 1)
    assert [f.name for f in fields(Derived)] == ["a", "b"]


def test_field_order_checked() -> None:
    with pytest.raises(TypeError):
        @record
        class Bad:
            a: int = 0
            b: int  # type: ignore[misc]
