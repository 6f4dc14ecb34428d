"""`glossary-bot import`, run for real: re-imports update their own file, hand edits are protected,
and every bad input is one sentence with nothing written (issue #10)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import PAGES, SEEDS
from tests.test_cli_inputs import run_main

SEGMENT = PAGES / "segment.txt"


def yaml_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_importing_a_page_again_updates_its_own_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, _ = run_main(capsys, "import", str(SEGMENT), str(PAGES / "segment_analytics.txt"), "--out", str(out))
    assert (code, stdout) == (0, f"wrote {out}/segment.yaml\nwrote {out}/segment-analytics.yaml\n")
    code, stdout, _ = run_main(capsys, "import", str(SEGMENT), "--out", str(out))
    assert (code, stdout) == (0, f"unchanged {out}/segment.yaml\n")
    renamed = tmp_path / "segment-export-2.txt"  # same title and field, another file name: the same term
    renamed.write_text(SEGMENT.read_text().replace("Customer data platform\n", "A customer data platform\n", 1))
    code, stdout, _ = run_main(capsys, "import", str(renamed), "--out", str(out))
    assert (code, stdout) == (0, f"updated {out}/segment.yaml\n")
    assert yaml_files(out) == ["segment-analytics.yaml", "segment.yaml"]
    assert "definition: A customer data platform\n" in (out / "segment.yaml").read_text()
    code, stdout, _ = run_main(capsys, "check", "--content", str(out))  # after any warnings (shared names)
    assert (code, stdout.splitlines()[-1]) == (0, "ok: 2 terms, 7 intents")


def test_a_hand_edited_file_is_replaced_only_with_force(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run_main(capsys, "import", str(SEGMENT), "--out", str(tmp_path))
    edited = (tmp_path / "segment.yaml").read_text() + "url: https://wiki.example.com/s\n"
    (tmp_path / "segment.yaml").write_text(edited)
    code, stdout, err = run_main(capsys, "import", str(SEGMENT), "--out", str(tmp_path))
    assert (code, stdout) == (1, "")
    assert err == (f"glossary-bot import: {tmp_path}/segment.yaml: was edited by hand (or not written by import); "
                   f"re-run with --force to replace it with {SEGMENT}\n")
    assert (tmp_path / "segment.yaml").read_text() == edited
    code, stdout, _ = run_main(capsys, "import", str(SEGMENT), "--out", str(tmp_path), "--force")
    assert (code, stdout) == (0, f"updated {tmp_path}/segment.yaml\n")
    assert (tmp_path / "segment.yaml").read_text() == (SEEDS / "segment.yaml").read_text()


def test_a_file_written_by_hand_with_the_same_term_needs_force_and_keeps_its_slug(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "cdp.yaml").write_text("title: Segment\nslug: cdp-segment\ndefinition: x\n"
                                       "field: Marketing Technology\n")
    assert run_main(capsys, "import", str(SEGMENT), "--out", str(tmp_path))[0] == 1
    code, stdout, _ = run_main(capsys, "import", str(SEGMENT), "--out", str(tmp_path), "--force")
    assert (code, stdout) == (0, f"updated {tmp_path}/cdp.yaml\n")
    assert "slug: cdp-segment\n" in (tmp_path / "cdp.yaml").read_text()
    assert yaml_files(tmp_path) == ["cdp.yaml"]


def test_a_huge_title_gets_a_sane_file_name_and_every_page_is_written(capsys: pytest.CaptureFixture[str],
                                                                      tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    huge.write_text(" ".join(["Attribution"] * 450) + "\nA very long title\n")
    out = tmp_path / "out"
    code, _, err = run_main(capsys, "import", str(SEGMENT), str(huge), "--out", str(out))
    assert code == 0, err
    names = yaml_files(out)
    assert names[1] == "segment.yaml" and len(names) == 2
    assert names[0].startswith("attribution-attribution") and len(names[0]) <= 85
    assert run_main(capsys, "check", "--content", str(out))[0] == 0


def test_one_bad_page_means_nothing_is_written(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("Title only\n")
    out = tmp_path / "out"
    code, stdout, err = run_main(capsys, "import", str(SEGMENT), str(bad), "--out", str(out))
    assert (code, stdout) == (1, "")
    assert err == f"glossary-bot import: {bad}:2: line 2 must be the short definition\n"
    assert not out.exists() or yaml_files(out) == []


@pytest.mark.parametrize(("make", "sentence"), [
    (lambda d: shutil.copy(SEEDS / "segment.yaml", d / "segment.yaml"),
     "{page}: is YAML; put it in the content folder, import reads source pages (.txt), Markdown (.md) and CSV"),
    (lambda d: (d / "missing.txt"), "{page}: cannot be read (No such file or directory)"),
])
def test_a_page_that_is_not_a_source_page_is_one_sentence(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                            make, sentence: str) -> None:
    page = Path(make(tmp_path))
    code, stdout, err = run_main(capsys, "import", str(page), "--out", str(tmp_path / "out"))
    assert (code, stdout) == (1, "")
    assert err == f"glossary-bot import: {sentence.format(page=page)}\n"


def test_out_naming_a_file_is_one_sentence(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "glossary.yaml"
    target.write_text("keep me\n")
    code, _, err = run_main(capsys, "import", str(SEGMENT), "--out", str(target))
    assert code == 1
    assert err == (f"glossary-bot import: {target}: is a file; --out takes the folder to write the YAML "
                   "term files in\n")
    assert target.read_text() == "keep me\n"


def test_a_byte_order_mark_does_not_reach_the_title(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = tmp_path / "bom.txt"
    page.write_bytes(b"\xef\xbb\xbf" + SEGMENT.read_bytes())
    run_main(capsys, "import", str(page), "--out", str(tmp_path / "out"))
    assert (tmp_path / "out" / "segment.yaml").read_text().splitlines()[1] == "title: Segment"
    code, stdout, _ = run_main(capsys, "ask", "--content", str(tmp_path), "--json", "what is segment")
    assert code == 0 and '"term": "Segment"' in stdout


def test_an_unknown_heading_is_named_by_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = tmp_path / "reach.txt"
    page.write_text("Reach\nHow many people saw it\n- Field\n- Media\nOrigins\nFrom broadcast media.\n"
                    "Worked example\nThe launch reached 40,000 people.\nFor example:\n- Search\n")
    code, _, err = run_main(capsys, "import", str(page), "--out", str(tmp_path / "out"))
    assert code == 0
    assert err == (f"glossary-bot: warning: {page}:5: 'Origins' looks like a heading but is not one of the known "
                   "headings (intents/headings.yaml), so it was kept as text under 'Overview'\n")
    code, _, err = run_main(capsys, "check", "--content", str(tmp_path))
    assert code == 0 and f"{page}:5: 'Origins' looks like a heading" in err


def test_fixture_pages_raise_no_heading_warnings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_main(capsys, "import", *map(str, sorted(PAGES.glob("*.txt"))), "--out", str(tmp_path))
    assert (code, err) == (0, "")
