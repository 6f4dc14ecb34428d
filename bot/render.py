"""Render an Answer: plain text and JSON for the command line, Block Kit dicts for Slack. Pure functions.

Over 300 lines: both doors render the same Answer with the same escaping and cutting rules."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.answer import Answer, Option
from bot.content import Block, Bullets, Paragraph, Table
from bot.slack.ids import CHOOSE, EXAMPLE, PICK_PART, SHARE

MAX_BLOCKS = 50
SECTION_CHARS = 3000
BUTTON_CHARS = 75
QUESTION_ECHO_CHARS = 200  # a question echoed back is cut to this; the asker knows what they asked
# Long body text reads better as a `markdown` block (standard Markdown, wider layout) than as stacked
# mrkdwn sections; Slack allows 12,000 characters across all markdown blocks of one message.
MARKDOWN_AFTER_CHARS = 600
MARKDOWN_AFTER_LINES = 6
MARKDOWN_CHARS = 12_000
MARKDOWN_MIN_CHARS = 200  # less budget than this left: the rest goes in sections rather than a stub block
MARKDOWN_SYNTAX_RE = re.compile(r"([\\`*_~\[\]|])")
MARKDOWN_LINE_START_RE = re.compile(r"^(\s*(?:\d+(?=[.)]))?)([#.)]|[-+=](?=\s|$))", re.M)

Blocks = list[dict[str, Any]]


@dataclass(frozen=True)
class Extras:
    """What the Slack door adds to a reply (bot/slack/replies.py builds them from bot/feedback.py's
    blocks): the owner and freshness line, the feedback buttons, the actions under "not in the glossary
    yet", and the key a did-you-mean pick withdraws from the unanswered questions."""

    footer: str | None = None
    feedback: dict[str, Any] | None = None
    unknown: dict[str, Any] | None = None
    choice_key: str | None = None


def escape(text: str) -> str:
    """mrkdwn control characters, ampersand first; applied to every text we did not write ourselves."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


SAFE_LINK_RE = re.compile(r"^https?://[^\s<>|\"'`\\\x00-\x1f\x7f]+$")
USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")


def link(url: str, label: str) -> str:
    """A Slack link, or just the label when the address could break out of the link (a `|` or `>`
    would end it and let the rest, say <!channel>, be read as markup). Content is checked on load;
    this holds for every other source too (GLOSSARY_BASE_URL, an old term cache)."""
    if not SAFE_LINK_RE.match(url):
        return escape(label)
    return f"<{escape(url)}|{escape(label)}>"


def cut(text: str, limit: int) -> str:
    """Shorten at a word boundary with an ellipsis, never mid-entity."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    head = head.rsplit(" ", 1)[0] if " " in head[limit // 2:] else head
    head = re.sub(r"&[a-z]{0,4}$", "", head)  # never leave half an entity ("&am") at the cut
    return head.rstrip() + "…"


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, broken at spaces where possible and never inside an
    entity, so a long paragraph spans several sections instead of losing its end."""
    pieces = []
    while len(text) > limit:
        head = text[:limit]
        cut_at = head.rfind(" ", limit // 2)
        cut_at = cut_at if cut_at > 0 else limit
        amp = head.rfind("&", cut_at - 6, cut_at)
        if amp != -1 and ";" not in head[amp:cut_at]:
            cut_at = amp
        pieces.append(text[:cut_at].rstrip())
        text = text[cut_at:].lstrip()
    return [*pieces, text] if text or not pieces else pieces


def option_label(option: Option) -> str:
    return f"{option.title} ({option.field})" if option.field else option.title


# ---- plain text and JSON (the command line) ---------------------------------------------------


def _table_text(table: Table) -> list[str]:
    rows = [table.columns, *table.rows]
    widths = [max(len(r[i]) if i < len(r) else 0 for r in rows) for i in range(len(table.columns))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return lines


def body_text(body: tuple[Block, ...]) -> list[str]:
    lines: list[str] = []
    for block in body:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Bullets):
            lines.extend(f"- {item}" for item in block.items)
        else:
            lines.extend(_table_text(block))
    return lines


def to_text(answer: Answer) -> str:
    if answer.kind == "answer" and answer.term and answer.part:
        term = answer.term
        lines = [f"{term.title} ({term.field})" if term.field else term.title, answer.part.heading,
                 *body_text(answer.part.body)]
        if answer.link:
            lines.append(f"Worked example: {answer.link}")
        if answer.next_parts:
            lines.append("Ask next: " + " · ".join(label for _, label in answer.next_parts))
        return "\n".join(lines)
    if answer.kind == "choices":
        return "Did you mean: " + ", ".join(option_label(o) for o in answer.options) + "?"
    lines = [f"\"{cut(answer.question.strip(), QUESTION_ECHO_CHARS)}\" is not in the glossary yet."]
    if answer.options:
        lines.append("Nearest terms: " + ", ".join(option_label(o) for o in answer.options))
    return "\n".join(lines)


def to_json(answer: Answer) -> dict[str, Any]:
    return {
        "answered": answer.answered,
        "term": answer.term.title if answer.term else None,
        "heading": answer.part.heading if answer.part else None,
        "text": to_text(answer),
        "link": answer.link,
        "suggestions": [option_label(o) for o in answer.options],
        "confidence": answer.confidence,
    }


def to_json_line(answer: Answer) -> str:
    return json.dumps(to_json(answer), ensure_ascii=False)


# ---- Block Kit (Slack) ------------------------------------------------------------------------


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SECTION_CHARS)}}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(text, SECTION_CHARS)}]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    out = {"type": "button", "text": {"type": "plain_text", "text": cut(text, BUTTON_CHARS), "emoji": False},
           "action_id": action_id, "value": value}
    if style:
        out["style"] = style
    return out


def part_value(slug: str, part: str) -> str:
    return json.dumps({"s": slug, "p": part}, separators=(",", ":"))


def table_block(table: Table) -> dict[str, Any]:
    """Slack's table block (one per message, at most 100 rows of 20 cells)."""
    rows = [table.columns, *table.rows][:100]
    width = min(20, len(table.columns))
    return {"type": "table", "rows": [[{"type": "raw_text", "text": (list(r) + [""] * width)[i] or " "}
                                       for i in range(width)] for r in rows]}


def escape_markdown(text: str) -> str:
    """Content as literal text in a `markdown` block: Slack's three control characters as entities (so
    no mention, broadcast or link can form), then a backslash before what standard Markdown would read
    as structure — links, emphasis, code, tables, headings and list markers."""
    text = MARKDOWN_SYNTAX_RE.sub(r"\\\1", escape(text))
    return MARKDOWN_LINE_START_RE.sub(r"\1\\\2", text)


def markdown(text: str) -> dict[str, Any]:
    return {"type": "markdown", "text": text}


def _run_markdown(run: list[Paragraph | Bullets]) -> str:
    parts = [escape_markdown(b.text) if isinstance(b, Paragraph) else
             "\n".join(f"- {escape_markdown(item)}" for item in b.items) for b in run]
    return "\n\n".join(parts)


def _run_mrkdwn(run: list[Paragraph | Bullets]) -> list[str]:
    lines: list[str] = []
    for block in run:
        if isinstance(block, Paragraph):
            lines.append(escape(block.text))
        else:
            lines.extend(f"• {escape(item)}" for item in block.items)
    return lines


def _sections(lines: list[str]) -> Blocks:
    """mrkdwn lines packed into sections of at most 3,000 characters, long lines split at spaces."""
    blocks: Blocks = []
    text = ""
    for piece in (piece for line in lines for piece in split_text(line, SECTION_CHARS)):
        if len(text) + len(piece) + 1 > SECTION_CHARS and text:
            blocks.append(mrkdwn(text))
            text = ""
        text = f"{text}\n{piece}" if text else piece
    return [*blocks, mrkdwn(text)] if text else blocks


def body_blocks(body: tuple[Block, ...], markdown_budget: int = MARKDOWN_CHARS) -> tuple[Blocks, bool]:
    """Paragraphs and bullets as mrkdwn sections, or — when a run of them is long (over 600 characters
    or 6 lines) — as one `markdown` block, which lays long text out better; all markdown blocks together
    stay within Slack's 12,000 characters per message (cut with an ellipsis). The first table as a table
    block, any later one as aligned text, since Slack allows one table per message. Also says whether
    nothing was cut."""
    blocks: Blocks = []
    run: list[Paragraph | Bullets] = []
    table_used, complete = False, True

    def flush() -> None:
        nonlocal markdown_budget, complete
        lines = _run_mrkdwn(run)
        long = len("\n".join(lines)) > MARKDOWN_AFTER_CHARS or sum(line.count("\n") + 1 for line in lines) > \
            MARKDOWN_AFTER_LINES
        if long and markdown_budget > MARKDOWN_MIN_CHARS:
            whole = _run_markdown(run)
            text = cut_markdown(whole, markdown_budget)
            complete = complete and text == whole
            markdown_budget -= len(text)
            blocks.append(markdown(text))
        else:
            blocks.extend(_sections(lines))
        run.clear()

    for block in body:
        if isinstance(block, Paragraph | Bullets):
            run.append(block)
            continue
        flush()
        if not table_used:
            blocks.append(table_block(block))
            table_used = True
        else:
            blocks.append(mrkdwn("```" + escape("\n".join(_table_text(block))) + "```"))
    flush()
    return blocks, complete


def cut_markdown(text: str, limit: int) -> str:
    """Like `cut`, and never leaving a lone backslash (an escape without its character) at the end."""
    if len(text) <= limit:
        return text
    head = cut(text, limit)[:-1].rstrip()
    return re.sub(r"(?<!\\)\\$", "", head).rstrip() + "…"


def answer_blocks(answer: Answer, *, private: bool = False, shareable: bool = True,
                  shared_by: str | None = None, extras: Extras | None = None) -> tuple[str, Blocks]:
    """(fallback text, blocks) for any Answer. Private answers carry the controls (share, worked
    example, a picker of other parts); public ones name the other parts one could ask for."""
    extras = extras or Extras()
    if answer.kind == "choices":
        return choices_blocks(answer, extras.choice_key)
    if answer.kind != "answer" or not answer.term or not answer.part:
        return unknown_blocks(answer, extras)
    term, part = answer.term, answer.part
    title = f"*{escape(term.title)}*" + (f"  ·  _{escape(term.field)}_" if term.field else "")
    body, complete = body_blocks(part.body)
    blocks: Blocks = [mrkdwn(f"{title}\n*{escape(part.heading)}*"), *body]
    footer = []
    if answer.link:
        footer.append(link(answer.link, "Worked example and full page"))
    if shared_by:
        footer.append(f"Shared by <@{shared_by}>" if USER_ID_RE.match(shared_by) else "Shared from the glossary")
    if extras.footer:
        footer.append(extras.footer)
    if not private and not shared_by and answer.next_parts:
        footer.append("Ask next: " + ", ".join(escape(label) for _, label in answer.next_parts))
    tail: Blocks = [context("  ·  ".join(footer))] if footer else []
    if private:
        tail.append(controls(answer, shareable))
    if extras.feedback:
        tail.append(extras.feedback)
    if not complete or len(blocks) + len(tail) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - len(tail) - 1]
        more = link(answer.link, "Read the rest on the glossary page") if answer.link else "(cut to fit Slack)"
        blocks.append(context(f"… {more}"))
    fallback = cut(f"{term.title}: {part.heading}\n" + "\n".join(body_text(part.body)), SECTION_CHARS)
    return escape(fallback), blocks + tail


def answer_metadata(answer: Answer | None) -> dict[str, str]:
    """What an answer post says about itself in message metadata: the term's slug and the part's key."""
    if answer is None or not answer.answered or not answer.term or not answer.part:
        return {}
    return {"term": answer.term.slug, "part": answer.part.target}


def controls(answer: Answer, shareable: bool = True) -> dict[str, Any]:
    assert answer.term is not None and answer.part is not None
    slug = answer.term.slug
    elements: list[dict[str, Any]] = []
    if shareable:
        elements.append(button("Share in channel", SHARE, part_value(slug, answer.part.target), style="primary"))
    if answer.part.heading.casefold() != "worked example":
        elements.append(button("Worked example", EXAMPLE, part_value(slug, "intent:example")))
    if answer.next_parts:
        elements.append({
            "type": "static_select", "action_id": PICK_PART,
            "placeholder": {"type": "plain_text", "text": cut(f"More about {answer.term.title}", 150)},
            "options": [{"text": {"type": "plain_text", "text": cut(label, BUTTON_CHARS)},
                         "value": part_value(slug, ref)} for ref, label in answer.next_parts[:100]],
        })
    return {"type": "actions", "elements": elements}


def option_buttons(answer: Answer, choice_key: str | None = None) -> dict[str, Any]:
    def value(slug: str, part: str) -> str:
        if not choice_key:
            return part_value(slug, part)
        return json.dumps({"s": slug, "p": part, "u": choice_key}, separators=(",", ":"))
    return {"type": "actions", "elements": [button(option_label(o), f"{CHOOSE}_{i}", value(o.slug, o.part))
                                            for i, o in enumerate(answer.options)]}


def choices_blocks(answer: Answer, choice_key: str | None = None) -> tuple[str, Blocks]:
    asked = escape(cut(answer.question.strip(), QUESTION_ECHO_CHARS))
    labels = ", ".join(escape(option_label(o)) for o in answer.options)
    blocks: Blocks = [mrkdwn(f"I'm not sure which term you mean by “{asked}”. Did you mean:"),
                      option_buttons(answer, choice_key)]
    return f"Did you mean: {labels}?", blocks


def unknown_blocks(answer: Answer, extras: Extras | None = None) -> tuple[str, Blocks]:
    asked = escape(cut(answer.question.strip(), QUESTION_ECHO_CHARS))
    text = f"“{asked}” is not in the glossary yet." if asked else "That is not in the glossary yet."
    blocks: Blocks = [mrkdwn(text)]
    if answer.options:
        blocks.append(context("Nearest terms:"))
        blocks.append(option_buttons(answer))
    blocks.append(context("Try `/glossary list` for every term, or ask a glossary owner to add it."))
    if extras and extras.unknown:
        blocks.append(extras.unknown)
    return text, blocks
