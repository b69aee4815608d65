"""Opening archives and XML from outside without trusting them.

A .qdpx is a zip written by another program: member names could climb out of
a folder, a small file could unpack to gigabytes, and the XML could define
entities that expand without end. Each is refused with a message naming the
file and the member.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from qualcode.core.errors import BadInput

MAX_TOTAL = 2 * 1024**3
"""Largest total unpacked size accepted (2 GiB)."""
MAX_RATIO = 200
"""Largest compression ratio accepted for a member bigger than 1 MiB."""
MAX_MEMBERS = 100_000


class SafeZip:
    """A zip archive whose member names and sizes were checked before anything is read."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        where = str(self.path)
        if not self.path.is_file():
            raise BadInput("no such file", where=where)
        try:
            self.zip = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile:
            raise BadInput("is not a zip archive (a .qdpx is one); is the file complete?", where=where) from None
        infos = self.zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise BadInput(f"holds {len(infos)} members, more than a project can have", where=where)
        total = 0
        for info in infos:
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
                raise BadInput(f"member '{name}' points outside the archive; refusing it", where=where)
            total += info.file_size
            if info.file_size > 1024**2 and info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise BadInput(
                    f"member '{name}' unpacks {info.file_size / info.compress_size:.0f} times its size; "
                    "refusing a possible zip bomb",
                    where=where,
                )
        if total > MAX_TOTAL:
            raise BadInput(f"unpacks to {total / 1024**3:.1f} GiB; refusing it", where=where)
        self._names = {info.filename.replace("\\", "/").lower(): info.filename for info in infos}

    def names(self) -> list[str]:
        return list(self._names.values())

    def find(self, name: str) -> str | None:
        """The member with this name, ignoring case and slashes (Sources/ and sources/ are one)."""
        return self._names.get(name.replace("\\", "/").lower())

    def read(self, name: str) -> bytes:
        member = self.find(name)
        if member is None:
            raise BadInput(f"member '{name}' is missing from the archive", where=str(self.path))
        try:
            return self.zip.read(member)
        except (zipfile.BadZipFile, OSError) as e:
            raise BadInput(
                f"member '{member}' cannot be read ({e}); the archive is damaged", where=str(self.path)
            ) from None

    def close(self) -> None:
        self.zip.close()


def parse_xml(data: bytes, where: str) -> etree._Element:
    """Parse XML with no DTD, no entities and no network; a DOCTYPE is refused outright."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise BadInput("the XML declares a DOCTYPE or entities; refusing it (entity expansion)", where=where)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise BadInput(f"is not well-formed XML ({e.msg}, line {e.lineno})", where=where) from None
    if root.getroottree().docinfo.doctype:
        raise BadInput("the XML declares a DOCTYPE; refusing it", where=where)
    return root
