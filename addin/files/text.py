"""Delimited text files as offices save them: the encoding found and named, quotes parsed.

Excel on Windows saves "CSV" in Windows-1252, "CSV UTF-8" with a byte-order mark and
"Unicode Text" as tab-separated UTF-16 LE with a mark; practice systems add UTF-8 without
one. The encoding is told from the bytes (a mark, the NUL pattern of UTF-16, UTF-8's strict
rules), never guessed from a sample, and anything else is refused with what the file looks
like. Rows are split by the ``csv`` module's Excel dialect over the whole file, so a quoted
value with a doubled quote (``"knee pain, ""sharp"", left"``) stays one value wherever it is.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from addin.errors import InputError

DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# A quoted value longer than this is an unclosed quote swallowing the rows after it.
MAX_FIELD = 1 << 20
# Signatures of files that are not text, for a refusal that says what the file is.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip package (an .xlsx/.xlsm workbook or a zip archive)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old binary Office file (.xls or .doc)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Decoded:
    """A text file's content and the encoding it was read in, named as Excel names it."""

    text: str
    encoding: str


@dataclass
class Delimited:
    """The rows of a delimited file (row 1 = the first line, as Excel numbers them)."""

    rows: list[list[str]]
    encoding: str
    delimiter: str

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


def looks_like(raw: bytes) -> str | None:
    """What a non-text file is, from its first bytes (None when nothing is recognised)."""
    for signature, what in _SIGNATURES:
        if raw.startswith(signature):
            return what
    head = raw[:64].lstrip()
    if head.startswith(b"ISA") and len(head) > 3 and not head[3:4].isalnum():
        return "an X12 file (ISA ...)"
    return None


def decode_bytes(raw: bytes, name: str, error: type[InputError] = InputError) -> Decoded:
    """Decode ``raw`` as UTF-8 (with or without a mark), UTF-16 LE/BE or Windows-1252.

    ``name`` names the file in messages. Refuses (``error``) what is none of them.
    """
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise error(f"{name}: is UTF-32 text, which Excel does not write; save it as CSV UTF-8")
    if raw.startswith(codecs.BOM_UTF8):
        return Decoded(_strict(raw[3:], "utf-8", name, "UTF-8 with BOM", error), "UTF-8 with BOM")
    if raw.startswith(codecs.BOM_UTF16_LE):
        return Decoded(_strict(raw[2:], "utf-16-le", name, "UTF-16 LE", error), "UTF-16 LE")
    if raw.startswith(codecs.BOM_UTF16_BE):
        return Decoded(_strict(raw[2:], "utf-16-be", name, "UTF-16 BE", error), "UTF-16 BE")
    what = looks_like(raw)
    if what is not None and not what.startswith("an X12"):
        raise error(f"{name}: is {what}, not text; give the file its real extension")
    utf16 = _utf16_without_mark(raw)
    if utf16 is not None:
        codec, label = utf16
        return Decoded(_strict(raw, codec, name, label, error), label)
    if b"\x00" in raw:
        raise error(
            f"{name}: holds binary data (NUL bytes), not text; open it in the program "
            "that made it and save it as CSV"
        )
    try:
        text = raw.decode("utf-8")
        label = "UTF-8"
    except UnicodeDecodeError as exc:
        utf8_before = _UTF8_MULTIBYTE.search(raw, 0, exc.start) is not None
        if exc.reason == "unexpected end of data" and exc.start >= len(raw) - 3 and utf8_before:
            raise error(
                f"{name}: ends in the middle of a character (byte {exc.start + 1}); the file "
                "looks cut off: copy or export it again"
            ) from None
        if utf8_before or _UTF8_MULTIBYTE.search(raw, exc.end):
            line = raw.count(b"\n", 0, exc.start) + 1
            raise error(
                f"{name}: mixes encodings: it has UTF-8 characters, but line {line} holds byte "
                f"0x{raw[exc.start]:02X}, which UTF-8 does not allow; save the file again as "
                "CSV UTF-8"
            ) from None
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as exc2:
            line = raw.count(b"\n", 0, exc2.start) + 1
            raise error(
                f"{name}: is neither UTF-8, UTF-16 nor Windows-1252 text (line {line} holds "
                f"byte 0x{raw[exc2.start]:02X}); save it from Excel as CSV UTF-8"
            ) from None
        label = "Windows-1252"
    _refuse_binary(text, name, error)
    return Decoded(text, label)


def decode_file(path: Path, error: type[InputError] = InputError) -> Decoded:
    """:func:`decode_bytes` on a file's content; an unreadable file is refused by name."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return decode_bytes(raw, str(path), error)


def _strict(raw: bytes, codec: str, name: str, label: str, error: type[InputError]) -> str:
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        if exc.reason in ("truncated data", "unexpected end of data"):
            raise error(
                f"{name}: {label} text that ends in the middle of a character; the file "
                "looks cut off: copy or export it again"
            ) from None
        raise error(
            f"{name}: starts like {label} text but byte {exc.start + 1} is not {label}; "
            "save the file again from Excel"
        ) from None
    _refuse_binary(text, name, error)
    return text


def _utf16_without_mark(raw: bytes) -> tuple[str, str] | None:
    """UTF-16 without a byte-order mark: most ASCII characters pair with a NUL byte."""
    sample = raw[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.05:
        return "utf-16-le", "UTF-16 LE (no BOM)"
    if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.05:
        return "utf-16-be", "UTF-16 BE (no BOM)"
    return None


def _refuse_binary(text: str, name: str, error: type[InputError]) -> None:
    """Control characters other than tab and line breaks are rare in text; a file made of
    them is binary data that happened to decode."""
    sample = text[:65536]
    if sample and len(_CONTROL.findall(sample)) > max(8, len(sample) // 20):
        raise error(
            f"{name}: looks like binary data, not text (many control characters); open it in "
            "the program that made it and save it as CSV"
        )


def sniff_delimiter(text: str, suffix: str = "") -> str:
    """The delimiter of the first non-empty line, counted outside quotes.

    A .tsv or .txt file whose first line holds a tab is tab-separated (Excel's "Unicode Text"
    and "Text (Tab delimited)"); otherwise the most frequent of , ; tab | wins, comma on a tie
    or when the line has none (a one-column file).
    """
    first = ""
    for line in text.splitlines():
        if line.strip():
            first = line
            break
    outside = re.sub(r'"(?:[^"]|"")*"?', "", first)
    counts = {d: outside.count(d) for d in DELIMITERS}
    if suffix.lower() in (".tsv", ".txt", ".tab") and counts["\t"]:
        return "\t"
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def split_rows(
    text: str, delimiter: str, name: str, error: type[InputError] = InputError
) -> list[list[str]]:
    """Rows of ``text`` by Excel's rules: quotes anywhere, doubled quotes, line breaks in a
    quoted value. A quote opened and never closed is refused with the row it opens in."""
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        rows: list[list[str]] = []
        start = 1
        try:
            for row in reader:
                rows.append(row)
                start = reader.line_num + 1
        except csv.Error as exc:
            if "end of data" in str(exc) or "field larger" in str(exc):
                raise error(
                    f"{name} row {len(rows) + 1} (line {start}): a quoted value starts here and "
                    "is never closed, so every later row would land inside it; close the quote "
                    '(a quote inside a value is written twice: "knee pain, ""sharp""")'
                ) from None
            # A quote inside an unquoted value, or text after a closing quote: Excel reads
            # these leniently (the quote is kept as a character), and so do we.
            lenient = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            rows = [list(r) for r in lenient]
        return rows
    finally:
        csv.field_size_limit(old_limit)


def read_delimited(
    path: Path,
    error: type[InputError] = InputError,
    delimiter: str | None = None,
) -> Delimited:
    """Decode and split a CSV/TSV/TXT file; see :func:`decode_bytes` and :func:`split_rows`."""
    decoded = decode_file(path, error)
    text = decoded.text
    if text.startswith("\ufeff"):  # a second mark after the first (files joined together)
        text = text[1:]
    chosen = delimiter or sniff_delimiter(text, path.suffix)
    return Delimited(split_rows(text, chosen, str(path), error), decoded.encoding, chosen)


__all__ = [
    "Decoded",
    "Delimited",
    "decode_bytes",
    "decode_file",
    "looks_like",
    "read_delimited",
    "sniff_delimiter",
    "split_rows",
]
