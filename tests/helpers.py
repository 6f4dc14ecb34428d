"""Checks and small tools shared by the tests: Slack's Block Kit rules, and a free local port."""

from __future__ import annotations

import socket
from typing import Any

from slack_sdk.models.blocks import Block

from bot.render import MARKDOWN_CHARS


def assert_valid_blocks(blocks: list[dict[str, Any]], limit: int = 50, *, at_least: int = 0) -> None:
    """Slack's rules for a list of blocks: at most `limit` of them (50 in a message, 100 in a view),
    each one a block slack_sdk knows and valid by its checks (lengths, counts, required fields), at
    most one table, and the markdown blocks' text within MARKDOWN_CHARS together."""
    assert at_least <= len(blocks) <= limit, f"{len(blocks)} blocks, not within {at_least}..{limit}"
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, f"not a Block Kit block: {str(block)[:200]}"
        parsed.validate_json()
    assert sum(b["type"] == "table" for b in blocks) <= 1
    assert sum(len(b["text"]) for b in blocks if b["type"] == "markdown") <= MARKDOWN_CHARS


def assert_valid_message(text: str, blocks: list[dict[str, Any]], limit: int = 50) -> None:
    """A message: a plain text fallback (notifications and screen readers use it) and valid blocks."""
    assert text.strip(), "every message needs a plain text fallback"
    assert_valid_blocks(blocks, limit)


def actions_of(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A message's buttons and menus by action_id."""
    return {e["action_id"]: e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]}


def free_port() -> int:
    """A port nothing listens on just now (the OS picks it; another program could take it later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
