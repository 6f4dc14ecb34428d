"""Markdown and CSV glossaries, as teams have them: read losslessly, problems named by file:line."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.answer import Engine
from bot.cli import main
from bot.content import Bullets, ContentError, Paragraph, Slug, Table
from bot.formats.text import plain
from bot.loader import load_glossary, load_terms_file
from tests.conftest import INTENTS, PAGES, ROOT

SAMPLES = ROOT / "tests" / "samples"
EQUIVALENT = ("churn-rate", "return-on-ad-spend", "customer-acquisition-cost")


def problems_of(path: Path) -> str:
    with pytest.raises(ContentError) as exc:
        load_terms_file(path)
    return str(exc.value)


@pytest.mark.parametrize(("markdown", "text"), [
    ("see [the docs](https://x.example/a) now", "see the docs (https://x.example/a) now"),
    ("**bold**, *em*, _em_ and `code`", "bold, em, em and code"),
    ('a {{< glossary_tooltip text="Pod" term_id="pod" >}} runs', "a Pod runs"),
    ('by a {{< glossary_tooltip term_id="stateful-set" >}}.', "by a stateful set."),
    ("{{< note >}}Kept{{< /note >}}", "Kept"),
    ("<https://x.example>", "https://x.example"),
    ("snake_case_name stays", "snake_case_name stays"),
])
def test_inline_markdown_is_reduced_to_text_with_links_kept(markdown: str, text: str) -> None:
    assert plain(markdown) == text


def test_hugo_folder_reads_front_matter_and_shortcodes_and_skips_index_pages() -> None:
    glossary = load_glossary(SAMPLES / "hugo")
    assert [t.slug for t in glossary.terms] == ["container", "pod"]
    pod = glossary.by_slug[Slug("pod")]
    assert pod.definition == "A Pod represents a set of running containers on your cluster."
    assert pod.category == "core-object, fundamental"
    assert dict(pod.extra)["full_link"] == "/docs/concepts/workloads/pods/"
    assert "managed by a deployment." in pod.page_text()
    assert [s.heading for s in pod.sections] == ["Overview", "Where teams go wrong"]
    assert pod.faq[0].question == "Can a Pod hold more than one container?"
    assert "sidecar pattern (https://kubernetes.io/" in (pod.faq[0].answer or "")
    assert glossary.by_slug[Slug("container")].aliases == ("OCI container",)


def test_mkdocs_page_without_front_matter_takes_title_and_definition_from_the_text() -> None:
    [term] = load_terms_file(SAMPLES / "mkdocs" / "customer-lifetime-value.md")
    assert term.title == "Customer lifetime value (CLV)" and term.aliases == ("CLV",)
    assert term.definition.startswith("Customer lifetime value is the total gross margin")
    assert [s.heading for s in term.sections] == ["Overview", "How it works", "Worked example", "Where teams go wrong"]
    overview = term.sections[0].body
    assert overview[0] == Paragraph("Rule of thumb: A healthy business keeps CLV at three times "
                                    "CAC or more.")  # a link to a page of the same site keeps its text
    assert isinstance(term.sections[1].body[0], Bullets) and len(term.sections[1].body[0].items) == 3
    table = term.sections[2].body[0]
    assert isinstance(table, Table) and table.columns[0] == "Segment" and table.rows[1][-1] == "$1,728"
    assert [f.question for f in term.faq] == ["How is CLV different from revenue per customer?",
                                              "How often should we recompute CLV?"]


def test_notion_export_keeps_extra_columns_and_reads_its_dates_and_byte_order_mark() -> None:
    path = next((SAMPLES / "notion").glob("*.csv"))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    nps, cpc, sov = load_terms_file(path)
    assert nps.title == "Net promoter score (NPS)"
    assert nps.aliases == ("promoter score", "likelihood to recommend", "NPS")
    assert (nps.owner, nps.last_reviewed, nps.category) == ("Ana Gómez", "2025-11-03", "Customer metrics")
    assert dict(nps.extra) == {"Status": "Published", "Created time": "October 1, 2025 9:12 AM"}
    assert [s.heading for s in nps.sections] == ["Definition in plain terms", "Where teams go wrong"]
    assert [f.answer for f in nps.faq] == ["Above 30 is good in most industries; above 70 is rare.",
                                           "Anyone answering 7 or 8: counted in the total, in neither share."]
    assert cpc.aliases == ("CPC",) and sov.aliases == ("SOV", "share-of-voice")


@pytest.mark.parametrize("suffix", [".csv", ".md"])
def test_latin1_file_is_refused_with_one_sentence_naming_file_and_line(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"latin{suffix}"
    head = "Term,Definition\n" if suffix == ".csv" else "# Café\n\n"
    path.write_bytes(head.encode() + "Café,Un lieu où l'on boit\n".encode("latin-1"))
    message = problems_of(path)
    assert f"latin{suffix}:{head.count(chr(10)) + 1}: not UTF-8 text (byte 0xe9); save the file as UTF-8" in message
    assert message.count("\n") == 0


def test_utf16_export_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_bytes("Term,Definition\nROAS,Revenue per ad dollar\n".encode("utf-16"))
    assert load_terms_file(path)[0].definition == "Revenue per ad dollar"


@pytest.mark.parametrize(("text", "expected"), [
    ("Name,Notes\nA,b\n", "g.csv:1: the header row needs a `term` (or title, name) column and a `definition` column"),
    ("Term,Definition\nA,first\nB,\n", "g.csv:3: column 'Definition': missing"),
    ("Term,Definition,Last reviewed\nA,a,soon\n", "g.csv:2: column 'Last reviewed': 'soon' is not a date"),
    ("Term,Definition,URL\nA,a,x\n\nB,b,ftp://y\n", "g.csv:2: column 'URL': 'x' is not an http(s) address"),
    ('Term,Definition\nA,"multi\nline"\nB,b,extra\n', "g.csv:4: 3 cells but the header names 2 columns"),
    ("", "g.csv:1: empty file"),
])
def test_csv_problems_name_file_line_and_column(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "g.csv").write_text(text, encoding="utf-8")
    assert expected in problems_of(tmp_path / "g.csv")


def test_csv_reports_every_bad_row_in_one_pass(tmp_path: Path) -> None:
    (tmp_path / "g.csv").write_text("Term,Definition\n,a\nB,\nC,c\n", encoding="utf-8")
    message = problems_of(tmp_path / "g.csv")
    assert "g.csv:2: column 'Term': missing" in message and "g.csv:3: column 'Definition': missing" in message


@pytest.mark.parametrize(("text", "expected"), [
    ("---\ntitle: A\n", "a.md:1: front matter opened with --- is never closed"),
    ("---\ntitle: [A\n---\n", "a.md:2: invalid front matter"),
    ("Just text\n", "a.md:1: no title"),
    ("# A\n\n## Table\n\n| x |\n", "a.md:1: no definition"),
    ("---\ntitle: A\ndescription: a\nlast_reviewed: someday\n---\n", "a.md: last_reviewed: 'someday' is not a date"),
])
def test_markdown_problems_are_named(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    assert expected in problems_of(tmp_path / "a.md")


def test_toml_front_matter_reads(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text('+++\ntitle = "Reach"\ndescription = "People who saw it"\n+++\nBody.\n')
    [term] = load_terms_file(tmp_path / "a.md")
    assert (term.title, term.definition, term.sections[0].body) == ("Reach", "People who saw it", (Paragraph("Body."),))


def test_folder_of_pages_markdown_and_csv_loads_together(tmp_path: Path) -> None:
    shutil.copy(PAGES / "churn-rate.txt", tmp_path)
    shutil.copy(SAMPLES / "hugo" / "pod.md", tmp_path)
    shutil.copy(next((SAMPLES / "notion").glob("*.csv")), tmp_path / "notion.csv")
    (tmp_path / "README.md").write_text("# About this folder\n")
    assert len(load_glossary(tmp_path).terms) == 5


def test_import_writes_one_yaml_per_term_and_the_yaml_loads_back_the_same(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture) -> None:
    sources = [SAMPLES / "hugo", SAMPLES / "mkdocs" / "customer-lifetime-value.md",
               next((SAMPLES / "notion").glob("*.csv"))]
    assert main(["import", *map(str, sources), "--out", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.count("wrote ") == 6
    imported = {t.slug: replace(t, source="") for t in load_glossary(tmp_path / "out").terms}
    direct = [replace(t, source="") for src in sources for path in (sorted(src.glob("[!_]*")) if src.is_dir()
                                                                     else [src]) for t in load_terms_file(path)]
    assert imported == {t.slug: t for t in direct}


def _folder(tmp_path: Path, kind: str) -> Path:
    if kind == "pages":
        for name in EQUIVALENT:
            shutil.copy(PAGES / f"{name}.txt", tmp_path)
        return tmp_path
    return SAMPLES / "equivalent" / kind


@pytest.mark.parametrize("kind", ["markdown", "csv"])
def test_markdown_and_csv_glossaries_read_exactly_like_the_same_pages(tmp_path: Path, kind: str) -> None:
    pages = [replace(t, source="") for t in load_glossary(_folder(tmp_path, "pages")).terms]
    assert [replace(t, source="") for t in load_glossary(_folder(tmp_path, kind)).terms] == pages


QUESTIONS = ["what is churn", "how is churn rate calculated", "roas mistakes", "is roas the same as roi",
             "example of roas", "cac pitfalls", "why does cac matter", "how does cac work", "who owns CAC",
             "what is a good churn rate"]


@pytest.mark.parametrize("kind", ["markdown", "csv"])
def test_markdown_and_csv_glossaries_answer_like_the_same_pages(tmp_path: Path, kind: str) -> None:
    def answers(folder: Path) -> list[tuple]:
        engine = Engine.load(folder, INTENTS)
        return [(a.kind, a.term and a.term.slug, a.part, a.options) for a in map(engine.ask, QUESTIONS)]

    expected = answers(_folder(tmp_path, "pages"))
    assert sum(kind == "answer" for kind, *_ in expected) >= 8
    assert answers(_folder(tmp_path, kind)) == expected


def test_semicolon_separated_export_reads(tmp_path: Path) -> None:
    (tmp_path / "g.csv").write_text('Term;Definition;Aliases\nCPC;"Cost, per click";cost per click\n')
    [term] = load_terms_file(tmp_path / "g.csv")
    assert (term.title, term.definition, term.aliases) == ("CPC", "Cost, per click", ("cost per click",))


MARKDOWN_SAMPLES = sorted(SAMPLES.rglob("[!_]*.md"))


@pytest.mark.parametrize("path", [p for p in MARKDOWN_SAMPLES if p.name != "README.md"],
                         ids=lambda p: p.relative_to(SAMPLES).as_posix())
def test_every_word_of_a_markdown_page_lands_in_the_term(path: Path) -> None:
    """Lossless, as for pages: every word of the text is in the term; a heading is kept as written or
    as the heading it is a synonym of (headings.yaml); only markup (admonition types) goes."""
    import re

    from bot.content import dump_term_yaml
    from bot.formats.text import canonical_heading
    from bot.importer import load_page_format

    fmt = load_page_format()
    [term] = load_terms_file(path)
    kept = set(re.findall(r"[^\W_]{3,}", dump_term_yaml(term).casefold()))
    named = {term.title, *(s.heading for s in term.sections), *(f.question for f in term.faq),
             *([fmt.faq] if term.faq else [])}
    text = path.read_text(encoding="utf-8")
    front, _, body = text.partition("\n---\n") if text.startswith("---") else ("", "", text)
    lines = [line.split(":", 1)[1] if ":" in line else line for line in front.splitlines()[1:]]
    for line in body.splitlines():
        heading = re.match(r"^#+\s+(.*)$", line)
        if heading:
            assert {plain(heading[1]), canonical_heading(fmt, plain(heading[1]))} & named, line
        else:
            lines.append(re.sub(r"^(!!!|\?\?\?)\s*\w+", "", line))
    words = set(re.findall(r"[^\W_]{3,}", plain(" ".join(lines)).casefold()))
    assert words - kept == set()


def test_two_csv_columns_meaning_one_heading_stay_two_sections(tmp_path: Path) -> None:
    (tmp_path / "g.csv").write_text("Term,Definition,Pitfalls,Risks\nA,a,p,r\n")
    [term] = load_terms_file(tmp_path / "g.csv")
    assert [(s.heading, s.body) for s in term.sections] == [
        ("Where teams go wrong", (Paragraph("p"),)), ("Risks", (Paragraph("r"),))]
