"""The knowledge loop's Block Kit: feedback buttons on every answer, the private follow-up to a
not-helpful vote, "Ask the owner", "Suggest a definition", and their modals. Pure: dicts in, dicts out."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from bot.answer import Answer
from bot.owners import USER_RE
from bot.render import Blocks, button, cut, escape, link, mrkdwn
from bot.slack.ids import ASK_OWNER, FEEDBACK, SUGGEST, SUGGEST_VIEW, WHAT_WRONG, WHAT_WRONG_VIEW

QUESTION_CHARS = 300  # the question carried in a button value (Slack allows 2,000 characters)
NOTE_CHARS = 500
TERM_CHARS = 150
DEFINITION_CHARS = 500
DETAILS_CHARS = 2000


@dataclass(frozen=True)
class Origin:
    """Where a question was asked: the asker's message, when there is one (a command has none)."""

    channel: str | None = None
    ts: str | None = None


def plain_question(text: str) -> str:
    """The question as a person wrote it, without Slack markup: mentions and broadcasts dropped, channel
    and link labels kept. This is what is stored and carried in buttons, never a mention."""
    text = re.sub(r"<[@!][^>]*>", " ", text)
    text = re.sub(r"<#[A-Z0-9]+\|([^>]*)>", r"#\1", text)
    text = re.sub(r"<#[A-Z0-9]+>", " ", text)
    text = re.sub(r"<([^|>]*)\|([^>]*)>", r"\2", text)
    text = re.sub(r"<([^>]*)>", r"\1", text)
    return " ".join(text.replace("<", " ").replace(">", " ").split())  # what is left of broken markup, too


def pack(data: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in data.items() if v not in (None, "")}, separators=(",", ":"))


def unpack(raw: str | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def new_answer_id() -> str:
    return uuid.uuid4().hex[:16]


def feedback_block(answer: Answer, answer_id: str, keep_question: bool, origin: Origin) -> dict[str, Any]:
    """Slack's feedback buttons, in a context_actions block. Each button's value says which answer and
    part it rates; the question rides along only when questions are logged."""
    assert answer.term is not None and answer.part is not None
    base = {"a": answer_id, "s": answer.term.slug, "p": answer.part.target,
            "q": cut(plain_question(answer.question), QUESTION_CHARS) if keep_question else None,
            "c": origin.channel, "t": origin.ts}
    return {"type": "context_actions", "elements": [{
        "type": "feedback_buttons", "action_id": FEEDBACK,
        "positive_button": {"text": {"type": "plain_text", "text": "Helpful"}, "value": pack({**base, "v": 1}),
                            "accessibility_label": "This answer was helpful"},
        "negative_button": {"text": {"type": "plain_text", "text": "Not helpful"}, "value": pack({**base, "v": -1}),
                            "accessibility_label": "This answer was not helpful"},
    }]}


def unknown_actions(answer: Answer, origin: Origin) -> dict[str, Any]:
    """Under "not in the glossary yet": suggest a definition, or ask someone who knows."""
    question = cut(plain_question(answer.question), QUESTION_CHARS)
    return {"type": "actions", "elements": [
        button("Suggest a definition", SUGGEST, pack({"q": cut(question, TERM_CHARS)})),
        button("Ask the owner", ASK_OWNER, pack({"q": question, "c": origin.channel, "t": origin.ts})),
    ]}


def not_helpful_blocks(vote: dict[str, Any], title: str) -> tuple[str, Blocks]:
    """The private follow-up to a not-helpful vote."""
    keep = {k: vote.get(k) for k in ("a", "s", "p", "q", "c", "t")}
    text = f"Thanks for telling us. What was wrong with the answer about *{escape(title)}*?"
    return "Thanks for the feedback", [mrkdwn(text), {"type": "actions", "elements": [
        button("Tell us what was wrong", WHAT_WRONG, pack({k: keep[k] for k in ("a", "s", "p")})),
        button("Ask the owner", ASK_OWNER, pack({k: keep[k] for k in ("s", "q", "c", "t")})),
    ]}]


def _modal(callback_id: str, title: str, blocks: Blocks, metadata: str, submit: str) -> dict[str, Any]:
    return {"type": "modal", "callback_id": callback_id, "title": {"type": "plain_text", "text": title},
            "submit": {"type": "plain_text", "text": submit}, "close": {"type": "plain_text", "text": "Cancel"},
            "private_metadata": metadata, "blocks": blocks}


def _input(block_id: str, label: str, limit: int, *, multiline: bool = False, optional: bool = False,
           initial: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": limit,
                               "multiline": multiline}
    if initial:
        element["initial_value"] = cut(initial, limit)
    return {"type": "input", "block_id": block_id, "optional": optional,
            "label": {"type": "plain_text", "text": label}, "element": element}


def what_wrong_view(vote: dict[str, Any], title: str) -> dict[str, Any]:
    metadata = pack({k: vote.get(k) for k in ("a", "s", "p")})
    return _modal(WHAT_WRONG_VIEW, "What was wrong?", [
        mrkdwn(f"Your note goes to the people who keep the glossary, with the answer about *{escape(title)}*."),
        _input("note", "What was wrong or missing?", NOTE_CHARS, multiline=True),
    ], metadata, "Send")


def suggest_view(question: str) -> dict[str, Any]:
    return _modal(SUGGEST_VIEW, "Suggest a definition", [
        mrkdwn("The glossary owners review suggestions before anything is added."),
        _input("term", "Term", TERM_CHARS, initial=question),
        _input("definition", "Definition (one or two sentences)", DEFINITION_CHARS, multiline=True),
        _input("details", "Details, an example, a link (optional)", DETAILS_CHARS, multiline=True, optional=True),
    ], "", "Suggest")


def thanks_view(text: str) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Thank you"},
            "close": {"type": "plain_text", "text": "Close"}, "blocks": [mrkdwn(text)]}


def submitted(view: dict[str, Any], block_id: str) -> str:
    """The text a person typed into one of our modal inputs ("" when left empty)."""
    values = ((view.get("state") or {}).get("values") or {}).get(block_id) or {}
    return str((values.get("value") or {}).get("value") or "").strip()


def question_for_owner(question: str, asker: str | None, title: str | None, mention: str | None,
                       permalink: str | None) -> tuple[str, Blocks]:
    """The post "Ask the owner" sends: who asked, about what, and a link to where it was asked."""
    about = f" about *{escape(title)}*" if title else ""
    who = f"<@{asker}>" if asker and USER_RE.match(asker) else "Someone"
    lines = [f"{mention + ': ' if mention else ''}{who} has a question{about} the glossary could not answer:",
             f"> {escape(cut(question.strip(), QUESTION_CHARS)) or '(no question text)'}"]
    if permalink:
        lines.append(link(permalink, "Where it was asked"))
    return f"A glossary question{' about ' + title if title else ''}", [mrkdwn("\n".join(lines))]
