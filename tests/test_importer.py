"""The page importer: source pages in, structured terms out, nothing lost."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.content import Bullets, ContentError, Paragraph, Table, dump_term_yaml
from bot.importer import PageFormat, import_pages, load_page_format, parse_page
from bot.loader import load_term_file
from tests.conftest import FIXTURES, PAGES, ROOT, SEEDS

ALL_PAGES = sorted([*PAGES.glob("*.txt"), *(FIXTURES / "holdout" / "pages").glob("*.txt")])
SEGMENT = PAGES / "segment.txt"


def test_source_page_gives_title_definition_and_metadata() -> None:
    term = parse_page(SEGMENT.read_text(), "segment.txt")
    assert (term.title, term.slug, term.definition) == ("Segment", "segment", "Customer data platform")
    assert (term.field, term.category) == ("Marketing Technology", "Marketing Technology")


def test_sections_keep_page_order_and_structure() -> None:
    term = parse_page(SEGMENT.read_text())
    assert [s.heading for s in term.sections] == [
        "Definition in plain terms", "Where the mechanics matter", "When teams use it", "Worked example",
        "Where teams go wrong"]
    example = term.section("Worked example")
    assert example is not None
    kinds = [type(b) for b in example.body]
    assert kinds == [Paragraph, Table, Paragraph]
    table = example.body[1]
    assert isinstance(table, Table)
    assert table.columns == ("Stage", "Action", "Why it mattered")
    assert table.rows[3] == ("Result", "Activation email reply rate doubled", "An outcome you can trust.")
    uses = term.section("When teams use it")
    assert uses is not None and isinstance(uses.body[1], Bullets) and len(uses.body[1].items) == 3


def test_faq_questions_whose_answers_ran_out_are_kept_without_answer() -> None:
    term = parse_page(SEGMENT.read_text())
    assert [f.question for f in term.faq] == [
        "What is Segment?", "Why does Segment matter?", "How is Segment used in practice?",
        "Where do teams slip up on Segment?", "Where can I go deeper on Segment?"]
    assert [f.answer is not None for f in term.faq] == [True, True, True, False, False]


@pytest.mark.parametrize("page", ALL_PAGES, ids=[p.name for p in ALL_PAGES])
def test_every_line_of_a_page_lands_in_the_yaml(page: Path) -> None:
    dumped = yaml.safe_load(dump_term_yaml(parse_page(page.read_text(), page.name)))
    haystack = " ".join(_strings(dumped))
    fmt = load_page_format()
    metadata = fmt.metadata
    lines = page.read_text().splitlines()
    for lineno, line in enumerate(lines, 1):
        text = re.sub(r"^[-*•] ", "", line.strip())
        if not text or re.fullmatch(r"\|?[\s:|-]+\|?", text):  # blank lines and table rules carry no text
            continue
        if lineno > 2 and text in metadata and (metadata[text] in dumped or metadata[text] == "term"):
            continue  # a known metadata key becomes the YAML field named in intents/headings.yaml
        if text == fmt.faq:
            continue  # the FAQ heading becomes the `faq:` list
        pieces = [c.strip() for c in text.strip("|").split("|")] if text.startswith("|") else [text]
        if lineno > 3 and metadata.get(lines[lineno - 2][2:].strip()) == "aliases":
            pieces = [a.strip() for a in text.split(",")]
        for piece in pieces:
            assert piece in haystack, f"{page.name}:{lineno} lost: {piece!r}"


def _strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [*map(str, node.keys()), *(s for v in node.values() for s in _strings(v))]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [str(node)] if node is not None else []


def test_acronym_in_parentheses_becomes_an_alias() -> None:
    term = parse_page((PAGES / "customer-acquisition-cost.txt").read_text())
    assert term.title == "Customer acquisition cost (CAC)"
    assert "CAC" in term.aliases
    assert term.owner == "Finance & Growth" and term.last_reviewed == "2026-09-14"


def test_punctuation_in_title_gives_a_clean_slug_and_aliases_from_metadata() -> None:
    term = parse_page((PAGES / "ab-test.txt").read_text())
    assert (term.title, term.slug, term.aliases) == ("A/B test", "a-b-test", ("Split test",))
    ltv = parse_page((PAGES / "customer-lifetime-value.txt").read_text())
    assert ltv.aliases == ("LTV", "CLV", "Lifetime value")


def test_page_url_metadata_becomes_the_term_url() -> None:
    assert parse_page((PAGES / "return-on-ad-spend.txt").read_text()).url == "https://wiki.example.com/glossary/roas"


def test_unknown_metadata_keys_are_kept_under_extra() -> None:
    page = "Churn\nCustomers who leave\n- Term\n- Churn\n- Squad\n- Retention pod\nOverview\nLeaving.\n"
    assert parse_page(page).extra == (("Squad", "Retention pod"),)


def test_page_may_omit_sections_and_faq() -> None:
    term = parse_page("Reach\nHow many people saw it\n- Field\n- Media\n")
    assert (term.sections, term.faq, term.field) == ((), (), "Media")


def test_headings_are_data_not_code() -> None:
    fmt = PageFormat(sections=("Origins",), faq="FAQ", metadata={"Field": "field"})
    term = parse_page("Reach\nPeople reached\nOrigins\nFrom broadcast media.\nFAQ\nWhat is reach?\n", fmt=fmt)
    assert [s.heading for s in term.sections] == ["Origins"]
    assert term.faq[0].question == "What is reach?"


@pytest.mark.parametrize(("page", "where"), [
    ("", "x.txt:1: empty page"),
    ("Title\n- Field\n- Analytics\n", "x.txt:2: line 2 must be the short definition"),
    ("Title\nShort definition\n- Field\nDefinition in plain terms\n", "x.txt:3: metadata key 'Field' has no"),
    ("Title\nDef\nWorked example\n|---|---|\n", "x.txt:4: table rule line without a header row"),
])
def test_broken_page_names_file_line_and_problem(page: str, where: str) -> None:
    with pytest.raises(ContentError) as err:
        parse_page(page, "x.txt")
    assert where in str(err.value)


def test_imported_yaml_loads_back_to_the_same_term(tmp_path: Path) -> None:
    written = import_pages(ALL_PAGES, tmp_path)
    assert len(written) == len(ALL_PAGES)
    for page, path in zip(ALL_PAGES, written, strict=True):
        again = load_term_file(path)
        original = parse_page(page.read_text())
        assert dump_term_yaml(again).replace(f"slug: {again.slug}", "") == \
            dump_term_yaml(original).replace(f"slug: {original.slug}", "")


def test_same_titled_pages_get_their_field_in_the_slug(tmp_path: Path) -> None:
    written = import_pages([PAGES / "segment.txt", PAGES / "segment_analytics.txt"], tmp_path)
    assert [p.name for p in written] == ["segment.yaml", "segment-analytics.yaml"]


def test_shipped_seed_is_the_import_of_the_source_page(tmp_path: Path) -> None:
    import_pages([SEGMENT], tmp_path)
    assert (tmp_path / "segment.yaml").read_text() == (SEEDS / "segment.yaml").read_text()


def test_import_command_reports_every_broken_page_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("Title\n- Field\n- X\n")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "bot", "import", str(bad), str(SEGMENT), "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 1
    assert f"{bad}:2: line 2 must be the short definition" in run.stderr
    assert not list(out.glob("*.yaml")) if out.exists() else True


def test_pages_are_read_with_the_headings_beside_the_intents_in_use(tmp_path: Path) -> None:
    import shutil

    from bot.answer import Engine
    from tests.conftest import INTENTS

    intents = tmp_path / "intents"
    shutil.copytree(INTENTS, intents)
    headings = intents / "headings.yaml"
    headings.write_text(headings.read_text().replace("  - Overview\n", "  - Overview\n  - Origins\n"))
    content = tmp_path / "content"
    content.mkdir()
    (content / "reach.txt").write_text("Reach\nPeople reached\nOrigins\nFrom broadcast media.\n")
    term = Engine.load(content, intents).glossary.by_slug["reach"]  # type: ignore[index]
    assert [s.heading for s in term.sections] == ["Origins"]
