"""Additive edits to xl/styles.xml: find-or-append number formats, fills, cell formats, dxfs.

Existing entries are never changed or reordered, so every style index the user's sheets
use keeps its meaning; an entry we added on an earlier run is found and reused.
"""

from __future__ import annotations

import re
from html import escape, unescape

from addin.errors import OutputError
from addin.sheets.package import root_prefix

# Children of <styleSheet> in schema order: a missing collection is inserted in its place.
_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles",
          "dxfs", "tableStyles", "colors", "extLst")  # fmt: skip


class Styles:
    """styles.xml text with find-or-append helpers; ``xml`` is the edited text."""

    def __init__(self, xml: str) -> None:
        self.xml = xml
        self.p = root_prefix(xml, "styleSheet")

    # -- generic collection access -----------------------------------------------------

    def _span(self, local: str) -> tuple[int, int, int] | None:
        """(start of open tag, end of open tag, start of close tag) of a collection."""
        p = re.escape(self.p)
        opened = re.search(rf"<{p}{local}\b[^>]*?(/?)>", self.xml)
        if opened is None:
            return None
        if opened.group(1):
            return opened.start(), opened.end(), -1
        close = self.xml.find(f"</{self.p}{local}>", opened.end())
        return opened.start(), opened.end(), close

    def _children(self, local: str, child: str) -> list[str]:
        span = self._span(local)
        if span is None or span[2] < 0:
            return []
        body = self.xml[span[1] : span[2]]
        p = re.escape(self.p)
        return re.findall(rf"<{p}{child}\b[^>]*?/>|<{p}{child}\b.*?</{p}{child}>", body, re.S)

    def _append(self, local: str, child: str, snippet: str) -> int:
        """Append a child to a collection, update its count; returns the child's index."""
        span = self._span(local)
        if span is None:
            self._create(local)
            span = self._span(local)
            assert span is not None
        index = len(self._children(local, child))
        start, open_end, close = span
        tag = self.xml[start:open_end]
        if close < 0:  # <dxfs count="0"/>
            new_tag = tag[:-2].rstrip() + ">"
            body = snippet + f"</{self.p}{local}>"
            self.xml = self.xml[:start] + new_tag + body + self.xml[open_end:]
            start, open_end = start, start + len(new_tag)
        else:
            self.xml = self.xml[:close] + snippet + self.xml[close:]
        tag = self.xml[start:open_end]
        if re.search(r'\bcount="\d+"', tag):
            new_tag = re.sub(r'\bcount="\d+"', f'count="{index + 1}"', tag, count=1)
            self.xml = self.xml[:start] + new_tag + self.xml[open_end:]
        return index

    def _create(self, local: str) -> None:
        later = _ORDER[_ORDER.index(local) + 1 :]
        snippet = f'<{self.p}{local} count="0"/>'
        for name in later:
            span = self._span(name)
            if span is not None:
                self.xml = self.xml[: span[0]] + snippet + self.xml[span[0] :]
                return
        close = self.xml.rfind(f"</{self.p}styleSheet>")
        if close < 0:
            raise OutputError("styles.xml has no <styleSheet>; the workbook looks damaged")
        self.xml = self.xml[:close] + snippet + self.xml[close:]

    def _find_or_append(self, local: str, child: str, snippet: str) -> int:
        children = self._children(local, child)
        if snippet in children:
            return children.index(snippet)
        return self._append(local, child, snippet)

    # -- the styles Claimbook needs -----------------------------------------------------

    def numfmt(self, code: str) -> int:
        """The id of a custom number format (added when missing)."""
        ids = []
        for item in self._children("numFmts", "numFmt"):
            found_id = re.search(r'numFmtId="(\d+)"', item)
            found_code = re.search(r'formatCode="([^"]*)"', item)
            if found_id and found_code:
                ids.append(int(found_id.group(1)))
                if unescape(found_code.group(1)) == code:
                    return int(found_id.group(1))
        new_id = max([163, *ids]) + 1
        self._append(
            "numFmts",
            "numFmt",
            f'<{self.p}numFmt numFmtId="{new_id}" formatCode="{escape(code, quote=True)}"/>',
        )
        return new_id

    def fill(self, rgb: str) -> int:
        p = self.p
        snippet = (
            f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="FF{rgb}"/>'
            f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
        )
        return self._find_or_append("fills", "fill", snippet)

    def xf(self, num_fmt: int, fill: int = 0) -> int:
        """A cell format on the default font and border with a number format and fill."""
        extra = ' applyNumberFormat="1"' if num_fmt else ""
        extra += ' applyFill="1"' if fill else ""
        snippet = (
            f'<{self.p}xf numFmtId="{num_fmt}" fontId="0" fillId="{fill}" borderId="0" '
            f'xfId="0"{extra}/>'
        )
        return self._find_or_append("cellXfs", "xf", snippet)

    def xf_with_fill(self, base: int, fill: int) -> int:
        """A copy of cell format ``base`` with another fill: a mark keeps the cell's look."""
        children = self._children("cellXfs", "xf")
        source = children[base] if 0 <= base < len(children) else children[0]
        head_end = source.find(">")
        head = source[: head_end + 1]
        if re.search(r'\bfillId="\d+"', head):
            head = re.sub(r'\bfillId="\d+"', f'fillId="{fill}"', head, count=1)
        else:
            head = head.replace(f"<{self.p}xf", f'<{self.p}xf fillId="{fill}"', 1)
        if re.search(r'\bapplyFill="\w+"', head):
            head = re.sub(r'\bapplyFill="\w+"', 'applyFill="1"', head, count=1)
        else:
            closing = "/>" if head.endswith("/>") else ">"
            head = head[: -len(closing)].rstrip() + ' applyFill="1"' + closing
        snippet = head + source[head_end + 1 :]
        return self._find_or_append("cellXfs", "xf", snippet)

    def dxf(self, fill_rgb: str, font_rgb: str) -> int:
        """A differential format (conditional formatting): font colour and fill."""
        p = self.p
        snippet = (
            f'<{p}dxf><{p}font><{p}color rgb="FF{font_rgb}"/></{p}font><{p}fill>'
            f'<{p}patternFill patternType="solid"><{p}bgColor rgb="FF{fill_rgb}"/>'
            f"</{p}patternFill></{p}fill></{p}dxf>"
        )
        return self._find_or_append("dxfs", "dxf", snippet)

    def xf_count(self) -> int:
        return len(self._children("cellXfs", "xf"))
