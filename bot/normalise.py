"""Turn Slack message text or a glossary title into comparable word tokens, in bounded time."""

from __future__ import annotations

import re
import unicodedata

# Work per question is bounded: matching reads at most this much of a message. Questions are short;
# a 40,000-character paste costs the same as a 4,000-character one.
MAX_CHARS = 4000
MAX_TOKENS = 400

# Slack markup: <@U123>, <@U123|name>, <#C123|general>, <!here>, <!subteam^S1|@team>, <https://x|label>.
# Bounded repeats and no nesting keep every pattern linear-time.
_MARKUP = re.compile(r"<([@#!]?)([^<>|]{0,500})(?:\|([^<>]{0,500}))?>")
_EMOJI = re.compile(r":[a-z0-9_+'\-]{1,64}:")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_APOSTROPHES = re.compile(r"[’'`´]")
# A word is a run of letters or of digits; a decimal number ("0.05") stays one word. Letters and
# digits part ("sha256" = "SHA-256"); names still meet whole, since name look-ups join words ("2fa").
_WORD = re.compile(r"\d+(?:\.\d+)+|\d+|[^\W\d_]+")

CONTRACTIONS = {
    "whats": ("what", "is"), "wats": ("what", "is"), "whos": ("who", "is"), "hows": ("how", "is"),
    "wheres": ("where", "is"), "whys": ("why", "is"), "whens": ("when", "is"), "thats": ("that", "is"),
    "isnt": ("is", "not"), "dont": ("do", "not"), "doesnt": ("does", "not"), "im": ("i", "am"),
    "whatre": ("what", "are"), "wtf": ("what",),
}
def _replace_markup(match: re.Match[str]) -> str:
    sigil, label = match.group(1), match.group(3)
    if sigil == "#":  # a channel: keep its name, it may be the topic ("#attribution")
        return f" {label or ''} "
    if sigil in ("@", "!"):  # people, groups and broadcasts are never part of the question
        return " "
    return f" {label} " if label else " "  # a link: its label is text, its address is not


def strip_markup(text: str) -> str:
    """Slack mrkdwn to plain words: mentions and broadcasts dropped, links to labels, emoji removed."""
    text = _MARKUP.sub(_replace_markup, text[:MAX_CHARS])
    text = _EMOJI.sub(" ", text)
    for entity, char in _ENTITIES:  # &amp; last, so "&amp;lt;" stays literal text
        text = text.replace(entity, char)
    return text


def words(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Lower-case words without punctuation, control or formatting characters (no markup handling).
    Messages are read up to `limit` characters and MAX_TOKENS words; content passes a larger limit."""
    text = text[:limit]
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        # Control characters separate words; format characters (zero-width, RTL overrides) vanish.
        # Looked up once per distinct character, so long content stays cheap.
        odd = {ord(ch): (" " if unicodedata.category(ch) == "Cc" else None) for ch in set(text)
               if unicodedata.category(ch).startswith("C")}
        if odd:
            text = text.translate(odd)
    text = _APOSTROPHES.sub("", text.casefold())
    out: list[str] = []
    max_tokens = MAX_TOKENS if limit <= MAX_CHARS else limit
    for word in _WORD.findall(text):
        out.extend(CONTRACTIONS.get(word, (word,)))
        if len(out) >= max_tokens:
            break
    return out[:max_tokens]
