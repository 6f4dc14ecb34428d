"""Shared pieces of the Markdown and CSV readers: decoding, headings, and Markdown text to blocks."""

from __future__ import annotations

import codecs
import re

from bot.content import Block, Bullets, ContentError, Paragraph, Problem, Table
from bot.formats.page import TABLE_RULE_RE, PageFormat

LINK_RE = re.compile(r"!?\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
AUTOLINK_RE = re.compile(r"<(https?://[^>\s]+)>")
SHORTCODE_RE = re.compile(r"\{\{[<%]\s*(/?)\s*([\w.-]+)([^}]*?)\s*[>%]\}\}")
SHORTCODE_TEXT_RE = re.compile(r"\b(text|term_id)\s*=\s*\"([^\"]*)\"")
EMPHASIS_RES = (
    re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"),
    re.compile(r"(?<![\w*])(\*|_)(?=\S)(.+?)(?<=\S)\1(?![\w*])"),
    re.compile(r"(~~)(?=\S)(.+?)(?<=\S)\1"),
)
CODE_RE = re.compile(r"`([^`]+)`")
HTML_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
ADMONITION_RE = re.compile(r"^(?:!!!|\?\?\?\+?)\s*[\w-]+\s*(?:\"([^\"]*)\")?\s*")  # MkDocs: keeps the title
BULLET_RE = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")


def decode(data: bytes, name: str) -> str:
    """UTF-8 text, with or without a byte-order mark (also UTF-16 with one, as Excel writes)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        how = " (in Excel: Save As → CSV UTF-8)" if name.endswith(".csv") else ""
        raise ContentError([Problem(name, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
                                          f"{how} and read it again", line)]) from None


def canonical_heading(fmt: PageFormat, heading: str) -> str:
    """The heading as the page format names it: itself, the heading a synonym stands for, or as written."""
    known = fmt.heading(heading)
    if known:
        return known
    key = heading.strip().rstrip(":").strip().casefold()
    return fmt.synonyms.get(key, heading.strip().rstrip(":").strip())


def _shortcode(match: re.Match[str]) -> str:
    """A shortcode's `text` (or its term id, as words); paired and other shortcodes leave nothing."""
    found = dict(pair for pair in SHORTCODE_TEXT_RE.findall(match.group(3)))
    text = found.get("text") or found.get("term_id", "").replace("-", " ")
    return "" if match.group(1) else text


def _link(match: re.Match[str]) -> str:
    text, url = match.group(1).strip(), match.group(2).strip()
    if not url or url == text:
        return text or url
    if text and not re.match(r"[a-z][a-z0-9+.-]*:", url, re.I):  # "/continuous-delivery/": the site's own page
        return text
    return f"{text} ({url})" if text else url


def plain(text: str) -> str:
    """Inline Markdown reduced to text: links keep their address ("text (url)") unless it is relative
    (a link to another page of the same site says nothing in a chat reply), emphasis and code
    marks go, Hugo shortcodes give their `text`, HTML tags go (their content stays)."""
    text = SHORTCODE_RE.sub(_shortcode, text)
    text = COMMENT_RE.sub("", text)
    text = LINK_RE.sub(_link, text)
    text = AUTOLINK_RE.sub(r"\1", text)
    text = HTML_TAG_RE.sub("", text)
    text = CODE_RE.sub(r"\1", text)
    for pattern in EMPHASIS_RES:
        text = pattern.sub(r"\2", text)
    return re.sub(r"\s+", " ", text).strip()


def block_text(block: Block) -> str:
    """A block as one line of text (for FAQ answers, which are text): items and rows joined."""
    if isinstance(block, Paragraph):
        return block.text
    if isinstance(block, Bullets):
        return "; ".join(block.items)
    return "; ".join(" | ".join(row) for row in (block.columns, *block.rows))


def _cells(line: str) -> tuple[str, ...]:
    return tuple(plain(c) for c in line.strip().strip("|").split("|"))


def to_blocks(lines: list[str]) -> list[Block]:
    """Markdown body lines to blocks: paragraphs (wrapped lines joined), bullet and numbered lists,
    pipe tables, fenced code (kept as one paragraph, line breaks and all)."""
    reader = _BlockReader()
    for raw in lines:
        reader.add(raw.rstrip())
    return reader.finish()


class _BlockReader:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.para: list[str] = []
        self.fence: list[str] | None = None
        self.in_table = self.in_list = False

    def flush(self) -> None:
        if self.para and (text := plain(" ".join(self.para))):
            self.blocks.append(Paragraph(text))
        self.para.clear()

    def _fenced(self, line: str) -> bool:
        """Inside a code fence every line is kept as written; the closing fence ends one paragraph."""
        if self.fence is None:
            return False
        if line.strip().startswith(("```", "~~~")):
            if self.fence:
                self.blocks.append(Paragraph("\n".join(self.fence)))
            self.fence = None
        else:
            self.fence.append(line)
        return True

    def add(self, line: str) -> None:
        if self._fenced(line):
            return
        text = re.sub(r"^\s*>\s?", "", line).strip()  # block quotes read as their text
        was_table, was_list = self.in_table, self.in_list
        self.in_table = self.in_list = False
        last = self.blocks[-1] if self.blocks else None
        if text.startswith(("```", "~~~")):
            self.flush()
            self.fence = []
        elif not text or re.fullmatch(r"[-*_]{3,}", text):
            self.flush()
        elif text.startswith("|"):
            self.flush()
            self.in_table = True
            if TABLE_RULE_RE.match(text):
                return
            if was_table and isinstance(last, Table):
                self.blocks[-1] = Table(last.columns, (*last.rows, _cells(text)))
            else:
                self.blocks.append(Table(_cells(text), ()))
        elif bullet := BULLET_RE.match(line):
            self.flush()
            self.in_list = True
            item = plain(bullet.group(1))
            if was_list and isinstance(last, Bullets):
                self.blocks[-1] = Bullets((*last.items, item))
            else:
                self.blocks.append(Bullets((item,)))
        elif was_list and isinstance(last, Bullets) and line[:1] in (" ", "\t"):
            self.in_list = True  # an indented line continues the list item above
            self.blocks[-1] = Bullets((*last.items[:-1], f"{last.items[-1]} {plain(text)}"))
        else:
            self.para.append(ADMONITION_RE.sub(lambda m: f"{m.group(1)}:" if m.group(1) else "", text))

    def finish(self) -> list[Block]:
        if self.fence:
            self.blocks.append(Paragraph("\n".join(self.fence)))
        self.flush()
        return self.blocks
