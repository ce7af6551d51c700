"""Safe XML input/output for CIB documents.  lxml is used here and in the
other ``cib`` modules only.

Hostile input is refused: entities are never expanded, DTDs and external
references are never loaded, nothing is fetched from the network, and a
document larger than :data:`MAX_DOCUMENT_BYTES` is rejected before parsing.
"""

from __future__ import annotations

import os

from lxml import etree

from hapy.reports import HapyError, report

#: Largest CIB accepted (bytes).  Pacemaker's own limit for the CIB on the
#: wire is far lower; 256 MiB leaves room for very large clusters.
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024

Element = etree._Element


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _refuse_doctype(tree: etree._ElementTree, source: str) -> None:
    info = tree.docinfo
    if getattr(info, "doctype", "") or info.internalDTD is not None or info.externalDTD is not None:
        raise HapyError(
            [
                report(
                    "CIB_XML_DTD_REFUSED",
                    "document type declarations (and the entities they define) are not allowed",
                    hint="remove the <!DOCTYPE ...> declaration",
                    file=source,
                )
            ]
        )


def parse_xml_bytes(data: bytes, source: str = "<input>") -> Element:
    """Parse ``data`` into an element tree, raising :class:`HapyError` with a
    ``CIB_XML_*`` report when it is not acceptable XML."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise HapyError(
            [
                report(
                    "CIB_XML_TOO_LARGE",
                    f"document is {len(data)} bytes, more than the {MAX_DOCUMENT_BYTES} allowed",
                    file=source,
                )
            ]
        )
    if b"<!ENTITY" in data or b"<!DOCTYPE" in data:
        raise HapyError(
            [
                report(
                    "CIB_XML_DTD_REFUSED",
                    "document type declarations and entities are not allowed",
                    hint="remove the <!DOCTYPE ...> declaration",
                    file=source,
                )
            ]
        )
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = str(exc.lineno) if exc.lineno else "?"
        raise HapyError(
            [
                report(
                    "CIB_XML_MALFORMED",
                    f"not well-formed XML: {exc.msg}",
                    hint="fix the XML syntax at the line given",
                    file=source,
                    line=line,
                )
            ]
        ) from None
    _refuse_doctype(root.getroottree(), source)
    return root


def parse_xml_text(text: str, source: str = "<input>") -> Element:
    return parse_xml_bytes(text.encode("utf-8"), source)


def read_xml_file(path: str) -> Element:
    """Read and parse a file; ``-`` is not special here."""
    try:
        size = os.path.getsize(path)
        if size > MAX_DOCUMENT_BYTES:
            raise HapyError(
                [
                    report(
                        "CIB_XML_TOO_LARGE",
                        f"file is {size} bytes, more than the {MAX_DOCUMENT_BYTES} allowed",
                        file=path,
                    )
                ]
            )
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise HapyError(
            [
                report(
                    "CIB_FILE_UNREADABLE",
                    f"cannot read file: {exc.strerror}",
                    hint="check the path and its permissions",
                    file=path,
                )
            ]
        ) from None
    return parse_xml_bytes(data, path)


def to_string(elem: Element, *, pretty: bool = True) -> str:
    text: str = etree.tostring(elem, encoding="unicode", pretty_print=pretty)
    return text


def serialize(elem: Element) -> bytes:
    """The document as UTF-8 bytes, indented, as it is stored."""
    data: bytes = etree.tostring(elem, encoding="utf-8", pretty_print=True)
    return data


def write_xml_file(elem: Element, path: str) -> None:
    """Write atomically: a temporary file in the same folder, fsync, rename."""
    tmp = f"{path}.tmp.{os.getpid()}"
    data = serialize(elem)
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
