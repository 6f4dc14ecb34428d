"""Loading and validating content: every problem names file, line or field, and what is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.content import ContentError, Slug, Term, TermHead
from bot.intents import load_intents
from bot.loader import load_glossary, load_term_file
from bot.names import shared_names
from tests.conftest import INTENTS, PAGES, SEEDS

GOOD = """\
title: Reach
definition: How many people saw it
field: Media
faq:
  - question: What is reach?
    answer: The number of people who saw it.
  - question: Why does reach matter?
  - question: "  "
    answer: x
"""


def problems_of(load, *args: object) -> str:
    with pytest.raises(ContentError) as err:
        load(*args)
    return str(err.value)


def _problems(tmp_path: Path, text: str, name: str = "reach.yaml") -> str:
    (tmp_path / name).write_text(text)
    with pytest.raises(ContentError) as err:
        load_glossary(tmp_path)
    return str(err.value)


def test_empty_faq_question_names_file_line_and_field(tmp_path: Path) -> None:
    assert f"{tmp_path}/reach.yaml:8: faq[2].question: empty" in _problems(tmp_path, GOOD)


def test_faq_answer_may_be_missing(tmp_path: Path) -> None:
    (tmp_path / "reach.yaml").write_text(GOOD.replace('  - question: "  "\n    answer: x\n', ""))
    term = load_glossary(tmp_path).by_slug[Slug("reach")]
    assert term.faq[1].answer is None


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    message = _problems(tmp_path, "title: Reach\ndefinition: [unclosed\nfield: x\n")
    assert f"{tmp_path}/reach.yaml:3: invalid YAML" in message


@pytest.mark.parametrize(("text", "expected"), [
    ("definition: x\n", "title: missing"),
    ("title: Reach\n", "definition: missing"),
    ("title: Reach\ndefinition: x\nslug: Bad Slug\n", "slug: 'Bad Slug' must be lowercase"),
    ("title: Reach\ndefinition: x\nurl: ftp://x\n", "url: 'ftp://x' is not an http(s) address"),
    ("title: Reach\ndefinition: x\nlast_reviewed: soon\n", "last_reviewed: 'soon' is not a date"),
    ("title: Reach\ndefinition: x\ntitel: typo\n", "titel: unknown field"),
    ("title: Reach\ndefinition: x\naliases: R\n", "aliases: must be a list"),
    ("title: Reach\ndefinition: x\nsections:\n  - heading: A\n    body:\n      - quote: x\n",
     "sections[0].body[0].quote"),
    ("- just a list\n", "a term file must be a mapping"),
])
def test_field_problems_are_named(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in _problems(tmp_path, text)


def test_duplicates_across_terms_are_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("title: Reach\ndefinition: x\nfield: Media\naliases: [R1]\n")
    (tmp_path / "b.yaml").write_text("title: Reach\nslug: reach\ndefinition: y\nfield: Media\n")
    (tmp_path / "c.yaml").write_text("title: Range\ndefinition: z\naliases: [r1, Reach]\n")
    message = problems_of(load_glossary, tmp_path)
    assert "duplicate slug 'reach'" in message
    assert "duplicate title 'Reach' in field 'Media'" in message
    assert "also names" not in message  # a shared name is a warning (names.shared_names), not an error


def test_a_name_several_terms_share_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("title: Pull request (PR)\ndefinition: x\n")
    (tmp_path / "b.yaml").write_text("title: Public relations\ndefinition: y\naliases: [PR]\n")
    glossary = load_glossary(tmp_path)
    [warning] = shared_names(glossary.terms)
    assert "'PR' also names" in str(warning) and "offers the choice" in str(warning)


def test_same_title_in_different_fields_is_allowed(tmp_path: Path) -> None:
    shutil.copy(PAGES / "segment.txt", tmp_path)
    shutil.copy(PAGES / "segment_analytics.txt", tmp_path)
    glossary = load_glossary(tmp_path)
    assert sorted(glossary.by_slug) == ["segment", "segment-analytics"]


def test_folder_mixes_yaml_files_and_source_pages(tmp_path: Path) -> None:
    shutil.copy(SEEDS / "segment.yaml", tmp_path)
    shutil.copy(PAGES / "churn-rate.txt", tmp_path)
    assert sorted(load_glossary(tmp_path).by_slug) == ["churn-rate", "segment"]


def test_every_problem_is_reported_in_one_pass(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("title: A\n")
    (tmp_path / "b.txt").write_text("")
    message = problems_of(load_glossary, tmp_path)
    assert "a.yaml:1: definition: missing" in message and "b.txt:1: empty page" in message


def test_non_utf8_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_bytes(b"title: caf\xe9\n")
    assert "x.yaml: not UTF-8 text" in problems_of(load_term_file, tmp_path / "x.yaml")


def test_missing_folder_is_named(tmp_path: Path) -> None:
    assert "content folder not found" in problems_of(load_glossary, tmp_path / "nope")


def test_shipped_content_and_intents_load() -> None:
    assert sorted(load_glossary(SEEDS).by_slug) == [  # Segment, and six example pages (seeds/example-*.txt)
        "a-b-test", "churn-rate", "click-through-rate-ctr", "conversion-rate", "customer-acquisition-cost-cac",
        "return-on-ad-spend-roas", "segment"]
    assert load_intents(INTENTS)[0].id == "definition"


@pytest.mark.parametrize(("text", "expected"), [
    ("intents: [\n", "intents.yaml:2: invalid YAML"),
    ("intents:\n  - id: why\n    label: Why\n    patterns: [why]\n", "an intent with id 'definition' is required"),
    ("intents:\n  - id: definition\n    label: ''\n", "intents[0].label: empty"),
    ("intents:\n  - {id: definition, label: D, patterns: [x]}\n  - {id: definition, label: E, keywords: [y]}\n",
     "intent id 'definition' is used twice"),
    ("intents:\n  - {id: definition, label: D, keywords: [define, eli5]}\n",
     "intents[0].keywords[1]: 'eli5' is not one word as the bot reads it; put it in patterns"),
    ("intents:\n  - {id: definition, label: D, keywords: [define]}\n  - {id: usage, label: U, keywords: [use, when]}\n",
     "intents[1].keywords[1]: 'when' is a function word the bot does not read as a topic; put it in patterns"),
    ("intents:\n  - {id: definition, label: D, keywords: [define], openings: [when should, '{term}?']}\n",
     "intents[0].openings[1]: '{term}?' has no words the bot reads"),
])
def test_broken_intents_are_named(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "intents.yaml").write_text(text)
    assert expected in problems_of(load_intents, tmp_path)


def test_term_cache_rereads_only_changed_files_and_survives_a_bad_cache(tmp_path: Path, caplog) -> None:
    import os

    from bot.cache import TermCache

    content, cache_dir = tmp_path / "content", tmp_path / "cache"
    content.mkdir()
    (content / "a.yaml").write_text("title: Alpha\ndefinition: first version\n")
    (content / "b.yaml").write_text("title: Beta\ndefinition: b\n")
    load_glossary(content, TermCache.for_folder(cache_dir, content))
    [cache_file] = cache_dir.glob("terms-*.sqlite3")
    # Same size and time, other words: only a cache hit can still say "first version".
    stat = (content / "a.yaml").stat()
    (content / "a.yaml").write_text("title: Alpha\ndefinition: FIRST VERSION\n")
    os.utime(content / "a.yaml", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    cached = load_glossary(content, TermCache.for_folder(cache_dir, content))
    assert cached.by_slug[Slug("alpha")].definition == "first version"
    assert cached.by_slug[Slug("alpha")].source == str(content / "a.yaml")
    (content / "a.yaml").write_text("title: Alpha\ndefinition: second version\n")
    assert load_glossary(content, TermCache.for_folder(cache_dir, content)).by_slug[Slug("alpha")].definition == \
        "second version"
    cache_file.write_text("not a database")
    assert load_glossary(content, TermCache.for_folder(cache_dir, content)).by_slug[Slug("beta")].definition == "b"
    assert "ignoring term cache" in caplog.text


def test_cached_terms_equal_freshly_loaded_ones(tmp_path: Path) -> None:
    from bot.cache import TermCache

    fresh = load_glossary(PAGES)
    load_glossary(PAGES, TermCache.for_folder(tmp_path, PAGES))
    again = load_glossary(PAGES, TermCache.for_folder(tmp_path, PAGES))
    assert again.terms == fresh.terms


def test_a_cached_glossary_reads_a_term_only_when_it_is_first_needed(tmp_path: Path) -> None:
    from bot.cache import TermCache

    load_glossary(PAGES, TermCache.for_folder(tmp_path, PAGES))
    cache = TermCache.for_folder(tmp_path, PAGES)
    read: list[str] = []
    original = cache.term

    def recorded(head: TermHead) -> Term | None:
        read.append(head.slug)
        return original(head)

    cache.term = recorded  # type: ignore[method-assign]
    glossary = load_glossary(PAGES, cache)
    assert read == []
    term = glossary.by_slug[glossary.heads[0].slug]
    assert read == [term.slug] and term == load_glossary(PAGES).by_slug[term.slug]


def test_a_term_whose_cache_row_another_process_dropped_is_read_from_its_file(tmp_path: Path) -> None:
    import sqlite3

    from bot.cache import TermCache

    content = tmp_path / "content"
    content.mkdir()
    (content / "a.yaml").write_text("title: Alpha\ndefinition: first\n")
    load_glossary(content, TermCache.for_folder(tmp_path / "cache", content))
    glossary = load_glossary(content, TermCache.for_folder(tmp_path / "cache", content))  # warm: heads only
    [db] = (tmp_path / "cache").glob("terms-*.sqlite3")
    with sqlite3.connect(db) as other:
        other.execute("DELETE FROM terms")
    assert glossary.by_slug[Slug("alpha")].definition == "first"


def test_a_cache_row_that_now_holds_another_term_is_never_served(tmp_path: Path) -> None:
    """Another process started the cache again (another page format or version) and wrote other terms
    under the same row numbers: the running glossary must not answer with them."""
    from bot.cache import TermCache

    content = tmp_path / "content"
    content.mkdir()
    for name, definition in (("alpha", "first"), ("beta", "second")):
        (content / f"{name}.yaml").write_text(f"title: {name.title()}\ndefinition: {definition}\n")
    load_glossary(content, TermCache.for_folder(tmp_path / "cache", content))
    serving = load_glossary(content, TermCache.for_folder(tmp_path / "cache", content))  # warm: heads only
    (content / "aardvark.yaml").write_text("title: Aardvark\ndefinition: new\n")  # read first from now on
    load_glossary(content, TermCache.for_folder(tmp_path / "cache", content, fingerprint="other headings"))
    assert serving.by_slug[Slug("beta")].definition == "second"
    assert serving.by_slug[Slug("alpha")].definition == "first"


def test_processes_loading_one_folder_together_share_its_cached_terms(tmp_path: Path) -> None:
    from bot.cache import TermCache

    content = tmp_path / "content"
    content.mkdir()
    (content / "a.yaml").write_text("title: Alpha\ndefinition: first\n")
    first, second = (TermCache.for_folder(tmp_path / "cache", content) for _ in range(2))  # both start empty
    one, two = load_glossary(content, first), load_glossary(content, second)
    assert one.heads == two.heads
    assert first.term(one.heads[0]) == two.by_slug[Slug("alpha")]


def test_broken_page_format_file_is_named(tmp_path: Path) -> None:
    from bot.importer import load_page_format

    (tmp_path / "headings.yaml").write_text("sections: Overview\n")
    assert "needs sections (a list of headings)" in problems_of(load_page_format, tmp_path / "headings.yaml")


def test_shipped_intent_files_parse_without_libyaml() -> None:
    """The fast loader is libyaml's, which is laxer than YAML: "[What is it?, …]" parsed there only."""
    for path in sorted(INTENTS.glob("*.yaml")):
        assert yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader), path
