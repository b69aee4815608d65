"""Opening archives and XML from outside without trusting them.

A .qdpx is a zip written by another program: member names could climb out of
a folder, a small file could unpack to gigabytes, and the XML could define
entities that expand without end. Each is refused with a message naming the
file and the member.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from lxml import etree

from qualcode.core.errors import BadInput

MAX_TOTAL = 2 * 1024**3
"""Largest total unpacked size accepted (2 GiB)."""
MAX_RATIO = 200
"""Largest compression ratio accepted for a member bigger than 1 MiB."""
MAX_MEMBERS = 100_000
DOCUMENT_MAX_TOTAL = 512 * 1024**2
"""Largest total unpacked size of a .docx or .odt transcript (512 MiB, images included)."""
DOCUMENT_MAX_MEMBERS = 10_000

# What zipfile raises on damaged or unusual members: bad headers, bad deflate
# streams, CRC mismatches, truncation, encryption, unknown compression methods.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError)


class SafeZip:
    """A zip archive whose member names and sizes were checked before anything is read.

    The sizes checked are the ones the central directory declares; zipfile never
    unpacks a member past its declared size, so the checks bound what reading
    costs.  ``kind`` names the format in messages; ``max_total`` and
    ``max_members`` are the limits (a .qdpx may carry media, a .docx need not).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        kind: str = ".qdpx",
        max_total: int = MAX_TOTAL,
        max_members: int = MAX_MEMBERS,
    ) -> None:
        self.path = Path(path)
        where = str(self.path)
        if not self.path.is_file():
            raise BadInput("no such file", where=where)
        try:
            self.zip = zipfile.ZipFile(self.path)
            infos = self.zip.infolist()
        except ZIP_ERRORS:
            raise BadInput(
                f"is not a valid {kind} file: it is not a zip archive, or it is cut short; "
                "save it again from the program that wrote it",
                where=where,
            ) from None
        try:
            self._check(infos, where, max_total, max_members)
        except BadInput:
            self.zip.close()
            raise
        self._names = {info.filename.replace("\\", "/").lower(): info.filename for info in infos}

    @staticmethod
    def _check(infos: list[zipfile.ZipInfo], where: str, max_total: int, max_members: int) -> None:
        if len(infos) > max_members:
            raise BadInput(f"holds {len(infos)} members, more than {max_members}; refusing it", where=where)
        total = 0
        for info in infos:
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
                raise BadInput(f"member '{name}' points outside the archive; refusing it", where=where)
            total += info.file_size
            # A member stored with a declared compressed size of 0 still counts as 1 byte.
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024**2 and ratio > MAX_RATIO:
                raise BadInput(
                    f"member '{name}' unpacks {ratio:.0f} times its size; refusing a possible zip bomb",
                    where=where,
                )
        if total > max_total:
            raise BadInput(
                f"unpacks to {total / 1024**2:.0f} MiB, more than the {max_total // 1024**2} MiB allowed; refusing it",
                where=where,
            )

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def names(self) -> list[str]:
        return list(self._names.values())

    def find(self, name: str) -> str | None:
        """The member with this name, ignoring case and slashes (Sources/ and sources/ are one)."""
        return self._names.get(name.replace("\\", "/").lower())

    def size(self, name: str) -> int:
        """The declared unpacked size of a member (0 when it is missing)."""
        member = self.find(name)
        return self.zip.getinfo(member).file_size if member is not None else 0

    def test(self) -> None:
        """Unpack every member and check its CRC, refusing the archive at the first damaged one."""
        for info in self.zip.infolist():
            try:
                with self.zip.open(info) as member:
                    # Reading a member to its end is what makes zipfile compare its CRC.
                    while member.read(1024**2):
                        continue
            except ZIP_ERRORS as e:
                raise BadInput(
                    f"member '{info.filename}' cannot be read ({e}); the archive is damaged", where=str(self.path)
                ) from None

    def read(self, name: str) -> bytes:
        member = self.find(name)
        if member is None:
            raise BadInput(f"member '{name}' is missing from the archive", where=str(self.path))
        try:
            return self.zip.read(member)
        except ZIP_ERRORS as e:
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
    except (etree.LxmlError, ValueError) as e:
        raise BadInput(f"is not readable XML ({e})", where=where) from None
    if root.getroottree().docinfo.doctype:
        raise BadInput("the XML declares a DOCTYPE; refusing it", where=where)
    return root
