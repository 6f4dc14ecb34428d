"""One analyzer, the same at index and query time: text → tokens with a surface form and a stem.

Surface forms keep names exact ("kpis", "a/b"); Snowball stems (PyStemmer) let word forms meet
("escalating" ~ "escalation"); word rarity in everyday English (wordfreq) says how much a word tells,
so "salt" alone is weak evidence while "phishing" is strong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from wordfreq import zipf_frequency

from bot.normalise import strip_markup, words

# Function words: they never carry a term or a passage. (Question words such as "why" are not here:
# intents read them.)
STOPWORDS = frozenset(
    "a an the of on in at to for from with by about and or but is are was were be been being do does did "
    "what which who whom whose when where how that this these those it its i me my we our us you your u they "
    "them their he she his her can could would should will shall may might must have has had there here "
    "than then so if as into not no yes any some all just also very really hey vs versus hi hello yo please "
    "pls plz thanks thank thx ok okay bot quick question q tell give show know explain mean say said get got "
    "let lets one am s t re ve ll d m many much per each every such".split()
)

CONTENT_CHARS = 1_000_000  # content is read whole; only messages are cut short
_STEMMER = Stemmer.Stemmer("english")
_stems: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Token:
    surface: str
    stem: str

    @property
    def content(self) -> bool:
        return self.surface not in STOPWORDS


_SUFFIXES = ("ation", "ing", "ed", "es", "er", "ers", "s")


def base_forms(word: str) -> list[str]:
    """Forms a word may be inflected from, for name words Snowball stems differently
    ("warehousing" → "warehouse", "escalating" → "escalate")."""
    out = []
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            root = word[: -len(suffix)]
            out += [root, root + "e"]
    return out


def stem(word: str) -> str:
    found = _stems.get(word)
    if found is None:
        found = _STEMMER.stemWord(word) if word.isalpha() else word
        if found.endswith("s") and len(found) > 3 and not found.endswith("ss"):  # "kpis" → "kpi"
            found = found[:-1]
        if len(_stems) < 500_000:  # bounded: a flood of junk words cannot grow it forever
            _stems[word] = found
    return found


def analyze(text: str) -> list[Token]:
    """Tokens of Slack message text (markup stripped) or of a title; bounded work for any input."""
    return [Token(w, stem(w)) for w in words(strip_markup(text))]


def analyze_plain(text: str) -> list[Token]:
    """Tokens of content text (no Slack markup to strip)."""
    return [Token(w, stem(w)) for w in words(text, CONTENT_CHARS)]


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in words(text, CONTENT_CHARS) if w not in STOPWORDS}


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    """How common a word is in everyday English: 0 (never seen) to ~7.7 ("the")."""
    return float(zipf_frequency(word, "en", wordlist="small"))


def rarity(word: str) -> float:
    """How much a word tells, 0.1-1: rare words ("phishing", "okr") 1, everyday ones ("water") ~0.4."""
    if word.isdigit() and len(word) < 4:
        return 0.3
    return min(1.0, max(0.1, (7.5 - zipf(word)) / 5))


def everyday(word: str) -> float:
    """0-1: how likely a single word is meant in its everyday sense ("salt" 1, "okr" 0)."""
    return min(1.0, max(0.0, (zipf(word) - 3.0) / 1.5))


def idf_factor(df: int, n: int) -> float:
    """Down-weights words found on many pages of this glossary (1 for one page, towards 0 for all)."""
    if n <= 1 or df <= 1:
        return 1.0
    return max(0.1, math.log(1 + n / df) / math.log(1 + n))


