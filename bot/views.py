"""Block Kit for everything that is not one answer: help, the A–Z list, App Home, "explain terms".
Pure: they render what they are given (the listeners ask the engine)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.answer import Answer
from bot.content import Glossary, Term
from bot.render import Blocks, button, context, controls, cut, escape, mrkdwn
from bot.slack.ids import HOME_LETTER, HOME_PAGE, LIST_PAGE

MESSAGE_BLOCKS = 50
HOME_BLOCKS = 100
EXPLAIN_MAX_TERMS = 15  # two blocks a term, under the 50-block message limit
DEFINITION_CHARS = 90


def help_blocks(command: str = "/glossary") -> tuple[str, Blocks]:
    command = escape(command)
    text = (f"*Ask the glossary*\n"
            f"• `{command} CAC` — the definition, privately, with buttons to share it or see more\n"
            f"• `{command} common mistakes with CAC` — any question: why it matters, how it works, an example…\n"
            f"• `{command} list` — every term, A–Z\n"
            "• Mention me in a channel (`@Glossary what is CAC?`) and I answer in the thread; DMs work too.\n"
            "• In a thread, use the message shortcut *Explain terms in this message*.")
    return "How to ask the glossary", [mrkdwn(text)]


def letter_of(term: Term) -> str:
    first = next((ch for ch in term.title.upper() if ch.isalnum()), "#")
    return first if first.isalpha() and first.isascii() else "#"


def _pack(lines: Iterable[str], limit: int = 2900) -> list[str]:
    """Join lines into as few sections as Slack's 3,000-character limit allows."""
    chunks: list[str] = []
    for line in lines:
        if chunks and len(chunks[-1]) + len(line) + 1 <= limit:
            chunks[-1] += "\n" + line
        else:
            chunks.append(cut(line, limit))
    return chunks


def _term_line(term: Term, with_definition: bool) -> str:
    name = f"*{escape(term.title)}*" + (f" _({escape(term.field)})_" if term.field else "")
    return f"• {name} — {escape(cut(term.definition, DEFINITION_CHARS))}" if with_definition else f"• {name}"


def _by_letter(terms: Iterable[Term], with_definition: bool) -> list[str]:
    lines, current = [], None
    for term in terms:
        letter = letter_of(term)
        if letter != current:
            lines.append(f"*{letter}*")
            current = letter
        lines.append(_term_line(term, with_definition))
    return lines


def _pager(action_id: str, page: int, pages: int) -> dict[str, Any]:
    elements = []
    if page > 0:
        elements.append(button("◀ Previous", f"{action_id}_prev", str(page - 1)))
    if page + 1 < pages:
        elements.append(button("Next ▶", f"{action_id}_next", str(page + 1)))
    return {"type": "actions", "elements": elements}


def list_blocks(glossary: Glossary, page: int = 0) -> tuple[str, Blocks]:
    """The A–Z term list as an ephemeral message, paged to stay within 50 blocks."""
    sections = _pack(_by_letter(glossary.terms, with_definition=False))
    per_page = MESSAGE_BLOCKS - 3
    pages = max(1, -(-len(sections) // per_page))
    page = min(max(page, 0), pages - 1)
    blocks: Blocks = [mrkdwn(f"*Glossary: {len(glossary.terms)} terms*" + (f" (page {page + 1} of {pages})"
                                                                           if pages > 1 else ""))]
    blocks += [mrkdwn(s) for s in sections[page * per_page:(page + 1) * per_page]]
    if pages > 1:
        blocks.append(_pager(LIST_PAGE, page, pages))
    blocks.append(context("Ask about any of them with `/glossary <term>`."))
    return f"Glossary: {len(glossary.terms)} terms", blocks


def home_view(glossary: Glossary, letter: str | None = None, page: int = 0) -> dict[str, Any]:
    """App Home: how to ask, then an A–Z index with short definitions. A glossary too large for
    Slack's 100 blocks gets letter buttons, and pages within a letter."""
    intro: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Glossary"}},
        mrkdwn("Ask `/glossary <term or question>`, mention me in a channel, or DM me. "
               "I answer typos and plain questions: _why does CAC matter?_, _common mistakes with ROAS_."),
        {"type": "divider"},
    ]
    every = _pack(_by_letter(glossary.terms, with_definition=True))
    if len(intro) + len(every) <= HOME_BLOCKS:
        return {"type": "home", "blocks": intro + [mrkdwn(s) for s in every]}
    letters = sorted({letter_of(t) for t in glossary.terms}, key=lambda c: (c == "#", c))
    letter = letter if letter in letters else letters[0]
    nav = [{"type": "actions", "elements": [
        button(c, f"{HOME_LETTER}_{c}", c, style="primary" if c == letter else None) for c in letters[i:i + 25]]}
        for i in range(0, len(letters), 25)]
    sections = _pack(_term_line(t, True) for t in glossary.terms if letter_of(t) == letter)
    per_page = HOME_BLOCKS - len(intro) - len(nav) - 2
    pages = max(1, -(-len(sections) // per_page))
    page = min(max(page, 0), pages - 1)
    blocks = intro + nav + [mrkdwn(f"*{letter}*" + (f" (page {page + 1} of {pages})" if pages > 1 else ""))]
    blocks += [mrkdwn(s) for s in sections[page * per_page:(page + 1) * per_page]]
    if pages > 1:
        pager = _pager(HOME_PAGE, page, pages)
        for element in pager["elements"]:
            element["value"] = f"{letter}:{element['value']}"
        blocks.append(pager)
    return {"type": "home", "blocks": blocks}


def explain_blocks(definitions: Sequence[Answer]) -> tuple[str, Blocks]:
    """The glossary terms found in a message (their definitions, as answers), each with its definition
    and the usual controls."""
    if not definitions:
        return "No glossary terms found in that message.", [mrkdwn("I found no glossary terms in that message.")]
    unique = list({a.term.slug: a for a in definitions if a.term is not None}.values())
    blocks: Blocks = [mrkdwn(f"*Glossary terms in this message ({len(unique)})*")]
    for answer in unique[:EXPLAIN_MAX_TERMS]:
        term = answer.term
        assert term is not None and answer.part is not None
        blocks.append(mrkdwn(f"*{escape(term.title)}*" + (f"  ·  _{escape(term.field)}_" if term.field else "")
                             + f"\n{escape(term.definition)}"))
        blocks.append({**controls(answer), "block_id": f"explain_{term.slug}"[:255]})
    if len(unique) > EXPLAIN_MAX_TERMS:
        blocks.append(context(f"…and {len(unique) - EXPLAIN_MAX_TERMS} more."))
    names = ", ".join(a.term.title for a in unique if a.term is not None)
    return escape(cut(f"Glossary terms in this message: {names}", 3000)), blocks
