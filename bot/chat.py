"""The console conversation (`glossary-bot chat`): the engine's answers, plus what a conversation needs
on top — follow-ups about the term just discussed, choosing a did-you-mean option by "yes" or its
number, and short replies to greetings, thanks and "help".

Only the engine's public API is used (Engine.ask, Engine.answer_part, Answer.next_parts, Answer.options)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.answer import Answer, Engine, Option
from bot.render import option_label, to_text

QUIT = frozenset({"quit", "exit"})
YES = frozenset({"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "please", "yes please", "correct",
                 "that one", "right"})
NO = frozenset({"no", "n", "nope", "neither", "none", "no thanks", "none of them", "not that"})
GREETINGS = frozenset({"hi", "hello", "hey", "hiya", "howdy", "yo", "hi there", "hello there", "hey there",
                       "good morning", "good afternoon", "good evening"})
THANKS_RE = re.compile(r"^(thanks?( you)?|thx|ty|cheers|many thanks|great|perfect|nice|cool|got it|ok thanks?)"
                       r"( (a lot|so much|very much|again|mate))?( thanks?)?$")
HELP = frozenset({"help", "h", "?", "usage", "commands", "what can you do", "how does this work"})
BYE = frozenset({"bye", "goodbye", "see you", "cya", "good bye"})
PRONOUN_RE = re.compile(r"\b(it|this|that|its|this term|that term|the term)\b")
DEFINITION_WORDS_RE = re.compile(r"\b(what|define|definition|meaning|mean|means|explain)\b")
# Words a follow-up may use besides the parts' own labels, headings and FAQ questions; a line with any
# other word might be about something else ("pitfalls of brand lift"), so it is not taken as a follow-up.
FOLLOW_UP_WORDS = frozenset("""
a an the of for on in to with about at by from me us i you we they it its this that these those is are was
be been do does did can could would should will what s whats why how when where which who please and or some
any there more again then so just also tell show give see let know explain define definition meaning mean means
mistake mistakes pitfall pitfalls error errors wrong trap traps common typical usual usually often avoid
people make makes made most biggest top main key big
example examples case cases instance sample worked walk through
matter matters important importance why care use uses used using usage practice apply applied
work works working mechanics calculate calculated calculation measure measured measurement formula compute
deeper further reading learn resources more detail details
""".split())
LABEL_MATCH = 88  # a typed line this close to an offered part's label asks for that part ("worked exmple")


def plain(line: str) -> str:
    """Lower case, punctuation dropped, spaces collapsed: how short replies are compared."""
    return " ".join(re.sub(r"[^\w\s]", " ", line.casefold()).split())


def _words(text: str) -> frozenset[str]:
    return frozenset(plain(text).split())


@dataclass
class Conversation:
    """What one console session remembers: the last answer (its term and the parts it offered) and
    any options on offer, so "Worked example", "yes" or "2" mean something."""

    engine: Engine
    last: Answer | None = None  # the last answer about a term
    options: tuple[Option, ...] = ()  # did-you-mean choices (or nearest terms) on offer

    def welcome(self) -> str:
        terms = self.engine.glossary.heads
        count = f"{len(terms)} term" if len(terms) == 1 else f"{len(terms)} terms"
        return (f"Glossary bot, {count}. Ask a question, e.g. \"what is {self._example()}?\"; "
                "\"help\" shows more; \"quit\" or Ctrl-D leaves.")

    def reply(self, line: str) -> str:
        """The reply to one typed line (the caller handles quitting)."""
        said = plain(line)
        if not said:
            return ""
        short = self._short_reply(said)
        if short is not None:
            return short
        if self.options:
            chosen = self._choose(said)
            if chosen is not None:
                return chosen
        elif said in YES or said in NO:
            return "Nothing is on offer just now: ask about a term, or type help."
        answer = self.engine.ask(line)
        if answer.kind == "unknown" and self.last is not None:
            answer = self._follow_up(line, said) or answer
        return self._show(answer)

    # ---- pieces ---------------------------------------------------------------------------------

    def _example(self) -> str:
        """A term to show in examples: the shortest title reads best in a sentence."""
        terms = self.engine.glossary.heads
        return min(terms, key=lambda t: (len(t.title), t.title)).title if terms else "a term"

    def _short_reply(self, said: str) -> str | None:
        if said in GREETINGS:
            return f"Hi! Ask me about a term, e.g. \"what is {self._example()}?\", or type help."
        if THANKS_RE.match(said):
            return "You're welcome. Ask about another term any time."
        if said in HELP:
            return "\n".join([
                f"Ask about a term in your own words: \"what is {self._example()}?\", \"why does it matter\", "
                "\"common mistakes with …\", or just its name.",
                "Follow-ups are about the term just discussed: type one of the \"Ask next\" parts, "
                "e.g. \"Worked example\".",
                "When I offer choices, answer yes or with the number.",
                "quit, exit or Ctrl-D leaves."])
        if said in BYE:
            return "Bye! Type quit (or press Ctrl-D) to leave."
        return None

    def _choose(self, said: str) -> str | None:
        """'yes', a number or an offered name picks a did-you-mean option; 'no' clears them."""
        picked: Option | None = None
        if said in YES:
            if len(self.options) > 1:
                numbered = ", ".join(f"{i}. {option_label(o)}" for i, o in enumerate(self.options, 1))
                return f"Which one? Type its number: {numbered}."
            picked = self.options[0]
        elif said.isdigit():
            number = int(said)
            if not 1 <= number <= len(self.options):
                return f"Type a number from 1 to {len(self.options)}, or ask something else."
            picked = self.options[number - 1]
        elif said in NO:
            self.options = ()
            return "OK. Try asking another way, or type help."
        else:
            picked = next((o for o in self.options if plain(option_label(o)) == said or (plain(o.title) == said
                           and sum(plain(x.title) == said for x in self.options) == 1)), None)
        if picked is None:
            return None
        return self._show(self.engine.answer_part(picked.slug, picked.part, option_label(picked)))

    def _follow_up(self, line: str, said: str) -> Answer | None:
        """A line that names no term but names a part answers for the term just discussed."""
        assert self.last is not None and self.last.term is not None
        term = self.last.term
        offered = [(ref, label) for ref, label in self.last.next_parts]
        best = max(offered, key=lambda p: fuzz.ratio(said, plain(p[1])), default=None)
        if best is not None and fuzz.ratio(said, plain(best[1])) >= LABEL_MATCH:
            return self.engine.answer_part(term.slug, best[0], line)
        again = self.engine.ask(f"{line} {term.title}")
        if not again.answered or again.term is None or again.term.slug != term.slug or again.part is None:
            return None
        known = FOLLOW_UP_WORDS | _words(" ".join(
            [label for _, label in self.last.next_parts] + [s.heading for s in term.sections]
            + [f.question for f in term.faq] + [again.part.heading]))
        if any(w not in known and w.removesuffix("s") not in known for w in said.split()):
            return None  # a word that no part explains: perhaps another term, so no guessing
        definition = self.engine.answer_part(term.slug, "intent:definition").part
        if definition is not None and again.part.target == definition.target and not (
                PRONOUN_RE.search(said) and DEFINITION_WORDS_RE.search(said)):
            return None  # the term's name alone gives its definition: the line itself named no part
        return again

    def _show(self, answer: Answer) -> str:
        if answer.answered:
            self.last, self.options = answer, ()
            return to_text(answer)
        self.options = answer.options
        if answer.kind == "choices" and len(answer.options) > 1:
            numbered = ", ".join(f"{i}. {option_label(o)}" for i, o in enumerate(answer.options, 1))
            return f"Did you mean: {numbered}? Type a number."
        if answer.kind == "choices" and answer.options:
            return f"Did you mean: {option_label(answer.options[0])}? (yes or no)"
        text = to_text(answer)
        if len(answer.options) > 1:
            text += " (type a number: " + ", ".join(
                f"{i}. {option_label(o)}" for i, o in enumerate(answer.options, 1)) + ")"
        elif answer.options:
            text += " (yes to see it)"
        return text
