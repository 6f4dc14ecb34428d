"""Reading content files that anyone with write access to the content folder can edit: no YAML
anchors or aliases (the "billion laughs"), and no links that lead out of the folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

_FAST_LOADER = getattr(yaml, "CSafeLoader", None)
ANCHORS_REFUSED = "anchors and aliases (&name, *name) are not allowed in content files"


class UnsafeContent(Exception):
    """A content file refused for safety; `line` (1-based) when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def _refuse(event: yaml.Event) -> UnsafeContent:
    return UnsafeContent(ANCHORS_REFUSED, event.start_mark.line + 1 if event.start_mark else None)


class ContentLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases: a few hundred bytes of nested aliases expand to
    billions of nodes, and no glossary needs them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML's own method, unannotated
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _refuse(event)
        return super().compose_node(parent, index)


def load_content_yaml(text: str) -> Any:
    """Parse one content file's YAML, refusing anchors and aliases (UnsafeContent, with the line).
    With libyaml, the events are checked first (only when the text holds & or *, the only ways to
    write either), then the same text is built by libyaml's loader; without it, ContentLoader."""
    if _FAST_LOADER is None:
        return yaml.load(text, Loader=ContentLoader)
    if "&" in text or "*" in text:
        for event in yaml.parse(text, Loader=_FAST_LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _refuse(event)
    return yaml.load(text, Loader=_FAST_LOADER)


def read_inside_folder(path: Path) -> bytes:
    """The file's bytes, refusing a link that leads out of its folder (the content root): an author
    could otherwise have the bot read, and show in Slack, any file the bot's user may read."""
    target = path
    if path.is_symlink():
        root, target = path.parent.resolve(), path.resolve()
        if not target.is_relative_to(root):
            raise UnsafeContent(f"is a link to {target}, outside the content folder {root}; refused "
                                "(copy the file into the folder instead)")
    try:
        # O_NOFOLLOW: what was checked is what is read, even if a link is swapped in meanwhile.
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise UnsafeContent(f"cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        return handle.read()
