"""The engine's behaviours a person relies on, beyond the question table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answer import Engine
from bot.content import Paragraph
from tests.conftest import INTENTS, PAGES


def test_bare_term_returns_its_definition(seed_engine: Engine) -> None:
    answer = seed_engine.ask("segment")
    assert answer.answered and answer.part is not None
    assert answer.part.heading == "What is Segment?"
    # The page's own answer, then what its definition section adds in plain words (not the definition again).
    assert answer.part.body == (
        Paragraph("Customer data platform In short, fix that meaning before any tactic is debated."),
        Paragraph("Evaluate this when buying, evaluating, or replacing tools in your marketing stack. Match "
                  "capability to actual workflow needs rather than feature checklists."),
        Paragraph("In Marketing Technology, Segment names a marketing-stack tool. Pin the meaning down early and "
                  "the strategy stays coherent."))
    assert answer.confidence == 1.0


def test_faq_question_without_answer_falls_back_to_its_section(seed_engine: Engine) -> None:
    answer = seed_engine.ask("Where do teams slip up on Segment?")
    assert answer.part is not None and answer.part.heading == "Where teams go wrong"
    assert answer.part.target == "section:where-teams-go-wrong"


def test_intent_with_no_faq_answer_or_section_falls_back_to_the_definition_section(seed_engine: Engine) -> None:
    answer = seed_engine.ask("Where can I go deeper on Segment?")
    assert answer.part is not None
    assert answer.part.heading == "Definition in plain terms"
    assert answer.part.target == "section:definition-in-plain-terms"


def test_link_uses_term_url_then_base_url_then_none(engine: Engine, seed_engine: Engine) -> None:
    assert engine.ask("ROAS").link == "https://wiki.example.com/glossary/roas#worked-example"
    assert engine.ask("churn rate").link == "https://glossary.example.com/churn-rate#worked-example"
    assert seed_engine.ask("segment").link is None


def test_answer_offers_the_other_parts_once_each(seed_engine: Engine) -> None:
    # "Go deeper" is not offered: the page leaves it open, and its fallback, the definition section, is
    # already in the "Definition" answer.
    answer = seed_engine.ask("why does segment matter")
    assert [label for _, label in answer.next_parts] == [
        "Definition", "How it is used", "How it works", "Worked example", "Where teams go wrong"]


def test_same_title_in_two_fields_asks_which_one(engine: Engine) -> None:
    answer = engine.ask("why does segment matter?")
    assert answer.kind == "choices"
    assert [(o.slug, o.field, o.part) for o in answer.options] == [
        ("segment", "Marketing Technology", "faq:why-does-segment-matter"),
        ("segment-analytics", "Analytics", "intent:why")]  # each offered term's part, chosen on its own page


def test_choice_answers_the_part_that_was_asked(engine: Engine) -> None:
    option = engine.ask("why does segment matter?").options[0]
    answer = engine.answer_part(option.slug, option.part)
    assert answer.part is not None and answer.part.heading == "Why does Segment matter?"


def test_unknown_term_gets_nearest_terms_only_when_close(engine: Engine) -> None:
    assert engine.ask("what is kubernetes").options == ()
    near = engine.ask("what is lifetime")
    assert not near.answered and [o.slug for o in near.options] == ["customer-lifetime-value-ltv"]


def test_terms_in_a_message_are_found_in_reading_order(engine: Engine) -> None:
    text = "Our ROAS fell while CAC rose, so the LTV to CAC ratio and the churn rate worry me"
    assert engine.matcher.find_terms(text) == [
        "return-on-ad-spend-roas", "customer-acquisition-cost-cac", "customer-lifetime-value-ltv", "churn-rate"]


def test_longer_name_beats_the_shorter_name_inside_it(tmp_path: Path) -> None:
    (tmp_path / "rate.yaml").write_text("title: Rate\ndefinition: A ratio over time\n")
    shutil.copy(PAGES / "churn-rate.txt", tmp_path)
    engine = Engine.load(tmp_path, INTENTS)
    assert engine.ask("what is churn rate").term.slug == "churn-rate"  # type: ignore[union-attr]
    assert engine.ask("what is a rate").term.slug == "rate"  # type: ignore[union-attr]


def test_unknown_slug_or_part_reference_is_safe(engine: Engine) -> None:
    assert engine.answer_part("no-such-term", "intent:why").kind == "unknown"
    answer = engine.answer_part("churn-rate", "faq:99")
    assert answer.part is not None and answer.part.heading == "Definition (the part you chose has changed)"


def test_part_reference_survives_an_edit_that_moves_the_faq(tmp_path: Path) -> None:
    page = (PAGES / "churn-rate.txt").read_text(encoding="utf-8")
    (tmp_path / "churn-rate.txt").write_text(page, encoding="utf-8")
    before = Engine.load(tmp_path, INTENTS).ask("what is a good churn rate")
    assert before.part is not None and before.part.target == "faq:what-is-a-good-churn-rate"
    lines = page.split("\n")
    faq = lines.index("Common questions")
    questions = [i for i in range(faq + 1, len(lines)) if not lines[i].startswith("- ")]
    lines[questions[0]], lines[questions[-1]] = lines[questions[-1]], lines[questions[0]]  # reorder the FAQ
    (tmp_path / "churn-rate.txt").write_text("\n".join(lines), encoding="utf-8")
    after = Engine.load(tmp_path, INTENTS).answer_part("churn-rate", before.part.target)
    assert after.part is not None and after.part.heading == before.part.heading


def test_shared_acronym_loads_each_full_name_answers_and_the_acronym_asks(tmp_path: Path) -> None:
    (tmp_path / "pr1.yaml").write_text("title: Pull request (PR)\ndefinition: A proposed code change\n"
                                       "field: Engineering\n")
    (tmp_path / "pr2.yaml").write_text("title: Public relations (PR)\ndefinition: Managing how the press sees us\n"
                                       "field: Marketing\n")
    engine = Engine.load(tmp_path, INTENTS)
    assert engine.ask("what is a pull request").term.slug == "pull-request-pr"  # type: ignore[union-attr]
    assert engine.ask("public relations?").term.slug == "public-relations-pr"  # type: ignore[union-attr]
    both = engine.ask("what is PR")
    assert both.kind == "choices" and {o.slug for o in both.options} == {"pull-request-pr", "public-relations-pr"}


def test_a_shared_acronym_is_settled_only_by_a_rest_that_fits_one_page_well(tmp_path: Path) -> None:
    (tmp_path / "pr1.txt").write_text(
        "Pull request (PR)\nA proposed code change\n- Term\n- Pull request (PR)\n"
        "Where the mechanics matter\nA reviewer approves the diff before it merges into the main branch.")
    (tmp_path / "pr2.txt").write_text(
        "Press release\nA written announcement for journalists\n- Term\n- Press release\n- Also known as\n- PR\n"
        "Where the mechanics matter\nThe communications team sends it to journalists under an embargo.")
    engine = Engine.load(tmp_path, INTENTS)
    settled = engine.ask("who approves the pr diff before it merges")
    assert settled.answered and settled.term is not None and settled.term.slug == "pull-request-pr"
    unsettled = engine.ask("can someone send me our standard pr")  # "send" is on one page, weakly
    assert not unsettled.answered
    assert {o.slug for o in unsettled.options} == {"pull-request-pr", "press-release"}


def test_processes_starting_together_share_one_page_index(tmp_path: Path) -> None:
    """--workers N start at once on one cache folder: each builds or reuses the index, none fails."""
    import subprocess
    import sys

    probe = ("import sys; from pathlib import Path; from bot.answer import Engine; "
             "e = Engine.load(Path(sys.argv[1]), Path(sys.argv[2]), cache_dir=Path(sys.argv[3])); "
             "print(e.ask('what is churn rate').term.slug)")
    runs = [subprocess.Popen([sys.executable, "-c", probe, str(PAGES), str(INTENTS), str(tmp_path / "cache")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [run.communicate(timeout=120) for run in runs]
    assert [(run.returncode, out.strip()) for run, (out, _) in zip(runs, results, strict=True)] == \
        [(0, "churn-rate")] * 4, [err for _, err in results]


def test_a_page_with_its_own_headings_answers_each_part_from_the_heading_that_names_it(tmp_path: Path) -> None:
    (tmp_path / "container.txt").write_text(
        "Container\nA package of an application and what it needs to run\n- Term\n- Container\n"
        "What it is\nA container bundles code with its dependencies.\n"
        "Problem it addresses\nApps behaved differently on different machines.\n"
        "How it helps\nContainers run the same everywhere.\n"
        "Risks\nAn image can carry old, vulnerable libraries.\n"
        "FAQ\nIs a container a VM?\n- Is a container a VM?\n- No, it shares the host kernel.")
    engine = Engine.load(tmp_path, INTENTS)
    asked = {q: engine.ask(q).part for q in ("what is a container", "why do we need containers",
                                              "container pitfalls", "is a container a vm")}
    assert {q: p.heading if p else None for q, p in asked.items()} == {
        "what is a container": "What it is", "why do we need containers": "Problem it addresses",
        "container pitfalls": "Risks", "is a container a vm": "Is a container a VM?"}


def test_a_page_index_from_another_version_is_built_again(tmp_path: Path) -> None:
    import sqlite3

    from bot.cache import index_file

    index = index_file(tmp_path / "cache", PAGES)
    assert index is not None
    index.parent.mkdir()
    old = sqlite3.connect(index)
    old.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                      "INSERT INTO meta VALUES ('schema', 'page-index-0');"
                      "CREATE TABLE terms (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, slug TEXT NOT NULL);")
    old.close()
    engine = Engine.load(PAGES, INTENTS, cache_dir=tmp_path / "cache")
    assert engine.ask("what is churn rate").answered


def test_a_second_term_named_as_the_setting_does_not_steal_the_question(tmp_path: Path) -> None:
    (tmp_path / "sprint.yaml").write_text(
        "title: Sprint\ndefinition: A fixed time box in which a team finishes planned work\n"
        "sections:\n  - heading: Definition in plain terms\n    body: [A sprint in Scrum lasts one to four weeks.]\n")
    (tmp_path / "scrum.yaml").write_text(
        "title: Scrum\ndefinition: An agile framework built around sprints\n"
        "sections:\n  - heading: Definition in plain terms\n    body: [Scrum organises work into sprints.]\n")
    engine = Engine.load(tmp_path, INTENTS)
    assert engine.ask("what is a sprint in scrum").term.slug == "sprint"  # type: ignore[union-attr]
    assert engine.ask("what is scrum").term.slug == "scrum"  # type: ignore[union-attr]
    assert engine.ask("sprint vs scrum").kind == "choices"  # no setting named: both are offered


@pytest.mark.parametrize(("question", "slug"), [
    ("multifactor auth", "mfa"),  # two name words written as one, and the start of a long one
    ("perf improvement plan", "pip"),
    ("perfomance improvment plan", "pip"),  # a typo in each of two words
    ("okrr", "okr"),  # a typo in an acronym
    ("what are okrs", "okr"),
])
def test_names_as_people_type_them(tmp_path: Path, question: str, slug: str) -> None:
    (tmp_path / "mfa.yaml").write_text("title: Multi-factor authentication (MFA)\nslug: mfa\n"
                                       "definition: Signing in with a second proof besides the password\n")
    (tmp_path / "pip.yaml").write_text("title: Performance improvement plan (PIP)\nslug: pip\n"
                                       "definition: A written plan with goals to reach by a date\n")
    (tmp_path / "okr.yaml").write_text("title: Objectives and key results (OKR)\nslug: okr\n"
                                       "definition: Goals with results that show they were reached, such as OKRs\n")
    answer = Engine.load(tmp_path, INTENTS).ask(question)
    assert answer.answered and answer.term is not None and answer.term.slug == slug


def test_choosing_the_second_offer_answers_its_own_part_not_the_first_terms(engine: Engine) -> None:
    second = engine.ask("why does segment matter?").options[1]
    answer = engine.answer_part(second.slug, second.part)
    assert answer.part is not None and "changed" not in answer.part.heading


def test_an_index_whose_rows_another_engine_replaced_still_answers(tmp_path: Path) -> None:
    """A reload (or another worker) re-indexes the shared file; the engine still serving keeps working."""
    shutil.copytree(PAGES, tmp_path / "pages")
    old = Engine.load(tmp_path / "pages", INTENTS, cache_dir=tmp_path / "cache")
    page = tmp_path / "pages" / "churn-rate.txt"
    page.write_text(page.read_text().replace("cancel", "leave"))
    Engine.load(tmp_path / "pages", INTENTS, cache_dir=tmp_path / "cache")  # drops the old churn rate rows
    old.ask("which customers cancel or do not renew")  # no FTS5 syntax error


def _cloud_glossary(folder: Path) -> Engine:
    (folder / "gitops.txt").write_text(
        "GitOps\nOperating infrastructure from a Git repository\n- Term\n- GitOps\n"
        "What it is\nGitOps keeps the desired state of systems in Git.\n"
        "Problem it addresses\nHand-made changes drift from what anyone wrote down.\n"
        "How it helps\nEvery change is a reviewed commit that an agent applies.")
    (folder / "canary.txt").write_text(
        "Canary deployment\nReleasing to a small share of users first\n- Term\n- Canary deployment\n"
        "What it is\nA new version takes a small slice of traffic before everyone gets it.")
    (folder / "blue-green.txt").write_text(
        "Blue-green deployment\nTwo identical environments, one live\n- Term\n- Blue-green deployment\n"
        "What it is\nTraffic switches from the old environment to the new one at once.")
    (folder / "mfa.txt").write_text(
        "Multi-factor authentication (MFA)\nSigning in with a second proof\n- Term\n"
        "- Multi-factor authentication (MFA)\n- Also known as\n- 2FA\n"
        "Definition in plain terms\nA code or a security key besides the password; it makes phishing harder.")
    (folder / "phishing.txt").write_text(
        "Phishing\nA message that tricks people into giving away access\n- Term\n- Phishing\n"
        "Definition in plain terms\nFake emails that ask for passwords or payments.\n"
        "Common questions\nDoes MFA stop phishing?\n- Does MFA stop phishing?\n"
        "- It stops most of it; security keys stop nearly all of it.")
    return Engine.load(folder, INTENTS)


def test_a_phrasing_written_out_in_intents_beats_a_keyword_inside_it(tmp_path: Path) -> None:
    engine = _cloud_glossary(tmp_path)
    part = engine.ask("what problem does gitops solve").part  # "problem" alone would name the pitfalls
    assert part is not None and part.heading == "Problem it addresses"


def test_a_bare_distinctive_part_of_one_name_answers(tmp_path: Path) -> None:
    engine = _cloud_glossary(tmp_path)
    answer = engine.ask("whats a canary")
    assert answer.answered and answer.term is not None and answer.term.slug == "canary-deployment"
    assert not engine.ask("deployment").answered  # the shared word names neither


def test_of_two_terms_named_the_page_that_asks_the_question_answers_it(tmp_path: Path) -> None:
    engine = _cloud_glossary(tmp_path)
    answer = engine.ask("does 2fa stop phishing")  # both named; the Phishing page asks it (and says "MFA")
    assert answer.answered and answer.term is not None and answer.term.slug == "phishing"
    assert answer.part is not None and answer.part.heading == "Does MFA stop phishing?"


def test_a_part_that_says_what_a_term_is_starts_with_its_definition(tmp_path: Path) -> None:
    (tmp_path / "detention.txt").write_text(
        "Detention\nA charge a carrier bills when its driver waits at a dock beyond the free time\n"
        "- Term\n- Detention\nWorked example\nFive trucks waited two hours each.\n"
        "Common questions\nWhat is detention?\n- What is detention?\n- The fee for the driver's waiting time.")
    engine = Engine.load(tmp_path, INTENTS)
    part = engine.ask("what is detension").part
    assert part is not None and part.heading == "What is detention?"
    assert part.body == (Paragraph("A charge a carrier bills when its driver waits at a dock beyond the free time"),
                         Paragraph("The fee for the driver's waiting time."))
    part = engine.ask("detention example").part  # other parts are left as written
    assert part is not None and part.body == (Paragraph("Five trucks waited two hours each."),)


def test_what_a_term_is_answers_with_its_faq_answer_and_its_definition_section(tmp_path: Path) -> None:
    (tmp_path / "wireframe.txt").write_text(
        "Wireframe\nA greyscale drawing of a screen's layout\n- Term\n- Wireframe\n"
        "Definition in plain terms\nA greyscale drawing of a screen's layout\n"
        "It shows what goes where before anyone discusses colours.\n"
        "Worked example\nThe checkout flow took three wireframes.\n"
        "Common questions\nWhat is a wireframe?\n- What is a wireframe?\n- A low-detail layout of a screen.")
    engine = Engine.load(tmp_path, INTENTS)
    part = engine.ask("what's a wireframe").part
    assert part is not None and part.heading == "What is a wireframe?"
    assert part.body == (Paragraph("A greyscale drawing of a screen's layout"),
                         Paragraph("A low-detail layout of a screen."),
                         Paragraph("It shows what goes where before anyone discusses colours."))
    # Nothing offered next says it again: "Why it matters" would fall back to the definition section.
    assert engine.ask("what's a wireframe").next_parts == (("intent:example", "Worked example"),)


def test_an_acronym_the_page_gives_its_own_title_is_a_name_not_a_detail(tmp_path: Path) -> None:
    (tmp_path / "eoq.txt").write_text(
        "Economic order quantity\nThe order size with the lowest total cost\n- Term\n- Economic order quantity\n"
        "Definition in plain terms\nPlanners call it the economic order quantity (EOQ), or the lot size.\n"
        "Where the mechanics matter\nThe formula is the square root of 2DS/H.\n"
        "Worked example\n12,000 rolls a year at $50 an order gives 490 rolls.")
    engine = Engine.load(tmp_path, INTENTS)
    for question, heading in (("eoq worked example please", "Worked example"), ("what is eoq", "Definition"),
                              ("eoq formula?", "Where the mechanics matter"),
                              # two intents' keywords, one each: the one asked first
                              ("example of how eoq is calculated", "Worked example"),
                              ("how is eoq calculated in the example", "Where the mechanics matter")):
        answer = engine.ask(question)
        assert answer.answered and answer.part is not None and answer.part.heading.startswith(heading), question


def test_a_question_the_page_leaves_open_lends_its_intent_only_to_those_who_ask_it(tmp_path: Path) -> None:
    (tmp_path / "replication.txt").write_text(
        "Database replication\nCopies of a database kept in step on several servers\n- Term\n"
        "- Database replication\n"
        "Where the mechanics matter\nSynchronous replication waits for every replica to confirm a write, which "
        "adds latency; "
        "asynchronous replication confirms first and copies after, so a replica can lag.\n"
        "When teams use it\nReplicas serve reads and take over when the primary fails.\n"
        "Common questions\nWhy does Database replication matter?\nIs synchronous replication worth the latency?\n"
        "- Why does Database replication matter?\n- A server that fails no longer loses the data on it.")
    engine = Engine.load(tmp_path, INTENTS)
    # The open question's words are the asker's, its "worth" is not: the passage that holds them answers.
    part = engine.ask("synchronous vs asynchronous database replication latency").part
    assert part is not None and part.heading == "Where the mechanics matter"
    part = engine.ask("is synchronous database replication worth it").part  # asked the intent too
    assert part is not None and part.heading == "Why does Database replication matter?"


def test_a_question_opening_as_an_intent_does_asks_for_it(tmp_path: Path) -> None:
    (tmp_path / "mvp.txt").write_text(
        "Minimum viable product (MVP)\nThe smallest release that tests a bet with real users\n- Term\n"
        "- Minimum viable product (MVP)\n"
        "Where the mechanics matter\nRun it for two weeks against one riskiest assumption.\n"
        "When teams use it\nBefore a big build, when demand is unproven.\n"
        "Common questions\nWhen would we stop an MVP early?\n- When would we stop an MVP early?\n"
        "- When the riskiest assumption is already proven wrong.")
    engine = Engine.load(tmp_path, INTENTS)
    part = engine.ask("when do we need an mvp").part  # no keyword, and no word the page holds
    assert part is not None and part.heading == "When teams use it"
    part = engine.ask("when should we run an mvp").part  # an opening is weaker than the page's own words
    assert part is not None and part.heading == "Where the mechanics matter"
    # An asker's opening, not the page's: its own "When would we…?" is a detail, not how the MVP is used.
    part = engine.ask("how is an mvp used in practice").part
    assert part is not None and part.heading == "When teams use it"


def test_a_phrase_one_page_defines_in_passing_is_answered_from_that_part(tmp_path: Path) -> None:
    (tmp_path / "etl.txt").write_text(
        "Extract, transform, load (ETL)\nMoving data from sources into a warehouse\n- Term\n"
        "- Extract, transform, load (ETL)\n"
        "Where the mechanics matter\nNightly jobs load the day's rows. OpenLineage, an open standard for run "
        "events, records what each job read and wrote.\n"
        "Where teams go wrong\n- Skipping tests. Replays mean duplicates unless loads are idempotent.")
    (tmp_path / "lineage.txt").write_text(
        "Data lineage\nWhere a figure's data came from\n- Term\n- Data lineage\n"
        "Where the mechanics matter\nTools that speak OpenLineage draw the graph; replays show up as new runs.")
    engine = Engine.load(tmp_path, INTENTS)
    answer = engine.ask("what's openlineage")  # mentioned on both pages, defined on one
    assert answer.answered and answer.term is not None and answer.term.slug == "extract-transform-load-etl"
    assert answer.part is not None and answer.part.heading == "Where the mechanics matter"
    assert not engine.ask("what does replays mean").answered  # "Replays mean duplicates…" defines nothing
