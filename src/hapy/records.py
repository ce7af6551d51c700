"""Record classes: what ``@dataclass`` gives, for a fraction of its start-up cost.

``hapy simulate`` on a small CIB spends most of its time starting up, and the
standard ``@dataclass`` is a large part of that: for every class it compiles
five or six generated methods (about 0.6 ms a frozen class, with ~90 classes
on the path). ``@record`` gives the same classes — the same ``__init__``
signature, ``__repr__``, ``__eq__`` and ``__hash__`` values, frozen instances
— but shares one generic ``__repr__``/``__eq__``/``__hash__``/``__setattr__``
between all classes, and compiles a class's ``__init__`` only when the class
is first instantiated (many are never used by a given command).

    @record                           # @dataclass(frozen=True)
    @record(frozen=False)             # @dataclass
    @record(frozen=False, eq=False)   # @dataclass(eq=False)

Supported: fields from the class's annotations (``ClassVar`` ones excepted),
plain defaults, :func:`field` with ``default``, ``default_factory`` and
``compare``, and fields inherited from a record base class. Methods written in
the class body win over generated ones, as with ``@dataclass``. :func:`replace`
is ``dataclasses.replace``. Type checkers see ``@record`` as a dataclass
(PEP 681).
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from operator import attrgetter
from typing import Any, ClassVar, TypeVar, dataclass_transform, get_origin, overload

_T = TypeVar("_T")


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record."""


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


class _Factory:
    """The signature default of a field that has a ``default_factory``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


class Field:
    """One field of a record class: what :func:`field` returns, then (named) what
    the class keeps in ``__record_fields__``."""

    __slots__ = ("compare", "default", "default_factory", "name")

    def __init__(self, default: Any, default_factory: Any, compare: bool) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.compare = compare

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


@overload
def field(*, default: _T, compare: bool = True) -> _T: ...


@overload
def field(*, default_factory: Callable[[], _T], compare: bool = True) -> _T: ...


def field(*, default: Any = _MISSING, default_factory: Any = _MISSING,
          compare: bool = True) -> Any:
    """A field's default (``default`` or ``default_factory``) and whether it
    takes part in ``==`` and ``hash()`` (``compare``)."""
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, compare)


def fields(obj: Any) -> tuple[Field, ...]:
    """The fields of a record class or instance, in ``__init__`` order."""
    found: tuple[Field, ...] = obj.__record_fields__
    return found


def replace(obj: _T, /, **changes: Any) -> _T:
    """A copy of the record *obj* with *changes* applied (``dataclasses.replace``)."""
    for f in fields(obj):
        if f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return type(obj)(**changes)


# --------------------------------------------------------------------------
# the methods shared by all record classes


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self.__record_fields__)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        key = self.__record_key__
        return key(self) == key(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self.__record_key__(self))


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _key_getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving an instance's compared values as a tuple (as
    ``@dataclass`` compares and hashes them)."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _compile_init(cls: type) -> Callable[..., None]:
    """The ``__init__`` of a record class, written out and compiled: one
    parameter a field, the values stored straight in the instance's
    ``__dict__`` (past a frozen record's ``__setattr__``; shorter to compile
    and quicker to run than one assignment a field)."""
    params = ["self"]
    values = []
    namespace: dict[str, Any] = {"_rec_factory": _FACTORY}
    for f in fields(cls):
        name = f.name
        value = name
        if f.default_factory is not _MISSING:
            params.append(f"{name}=_rec_factory")
            namespace[f"_rec_f_{name}"] = f.default_factory
            value = f"_rec_f_{name}() if {name} is _rec_factory else {name}"
        elif f.default is not _MISSING:
            params.append(f"{name}=_rec_d_{name}")
            namespace[f"_rec_d_{name}"] = f.default
        else:
            params.append(name)
        values.append(f"{name}={value}")
    body = f"self.__dict__.update({', '.join(values)})" if values else "pass"
    exec(f"def __init__({', '.join(params)}) -> None:\n    {body}\n", namespace)
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _lazy_init(cls: type) -> Callable[..., None]:
    """An ``__init__`` that compiles the real one on the first call and puts it
    in its place."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init = _compile_init(cls)
        type.__setattr__(cls, "__init__", init)
        init(self, *args, **kwargs)

    return __init__


def _is_class_var(annotation: Any) -> bool:
    if isinstance(annotation, str):  # from __future__ import annotations
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return annotation is ClassVar or get_origin(annotation) is ClassVar


def _collect_fields(cls: type) -> tuple[Field, ...]:
    found: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in base.__dict__.get("__record_fields__", ()):
            found[f.name] = f
    # (inspect.get_annotations would import inspect, a start-up cost)
    annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
    for name, annotation in annotations.items():
        if _is_class_var(annotation):
            continue
        value = cls.__dict__.get(name, _MISSING)
        if isinstance(value, Field):
            f = value
            if f.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        else:
            f = Field(value, _MISSING, True)
        f.name = name
        found.pop(name, None)
        found[name] = f
    result = tuple(found.values())
    seen_default = False
    for f in result:
        if f.default is not _MISSING or f.default_factory is not _MISSING:
            seen_default = True
        elif seen_default:
            raise TypeError(f"{cls.__qualname__}: field {f.name!r} without a default "
                            "follows a field with one")
    return result


def _make_record(cls: type[_T], frozen: bool, eq: bool) -> type[_T]:
    own = cls.__dict__
    record_fields = _collect_fields(cls)
    added: dict[str, Any] = {"__record_fields__": record_fields}
    if "__init__" not in own:
        added["__init__"] = _lazy_init(cls)
    if "__repr__" not in own:
        added["__repr__"] = _repr
    if eq:
        added["__record_key__"] = staticmethod(
            _key_getter([f.name for f in record_fields if f.compare]))
        if "__eq__" not in own:
            added["__eq__"] = _eq
        # as @dataclass: a __hash__ written in the class stays (defining
        # __eq__ alone sets __hash__ to None, which is not "written")
        written_hash = own.get("__hash__", _MISSING)
        if written_hash is _MISSING or (written_hash is None and "__eq__" in own):
            added["__hash__"] = _hash if frozen else None
    if frozen:
        for name in ("__setattr__", "__delattr__"):
            if name in own:
                raise TypeError(f"{cls.__qualname__}: cannot overwrite {name} of a frozen record")
        added["__setattr__"] = _frozen_setattr
        added["__delattr__"] = _frozen_delattr
    for name, value in added.items():
        setattr(cls, name, value)
    return cls


@overload
def record(cls: type[_T], /) -> type[_T]: ...


@overload
def record(*, frozen: bool = True, eq: bool = True) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[_T] | None = None, /, *, frozen: bool = True,
           eq: bool = True) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """Make *cls* a record class (see the module's doc)."""
    if cls is None:
        return lambda c: _make_record(c, frozen, eq)
    return _make_record(cls, frozen, eq)
