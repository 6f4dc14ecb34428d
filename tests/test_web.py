"""The glossary web pages: served by the bot, written as a static site, linked from answers, unfurled."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.answer import Engine
from bot.content import Glossary, Slug, Term
from bot.loader import load_glossary
from bot.settings import SettingsError, load_settings
from bot.slack.ids import OPEN_PAGE
from bot.web.links import page_base, slug_in
from bot.web.pages import index_page, term_page
from tests.conftest import INTENTS, PAGES, ROOT
from tests.slack_harness import SlackHarness
from tests.slack_standin import SlackStandIn
from tests.test_cli_inputs import run_in_terminal


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_index_lists_every_term_a_to_z_with_strict_headers(slack: SlackHarness) -> None:
    status, headers, body = fetch(slack.url + "/glossary/")
    html = body.decode()
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'") and "script-src 'self'" in csp and "unsafe" not in csp
    assert "frame-ancestors 'none'" in csp
    titles = re.findall(r'<li[^>]*><a href="/glossary/[a-z0-9-]+">([^<]+)</a>', html)
    assert len(titles) == 12 and titles == sorted(titles, key=str.casefold)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<input id="q" type="search"' in html and '<script src="/glossary/static/glossary.js" defer>' in html
    assert "<script>" not in html and "style=" not in html  # nothing inline for the CSP to block


def test_term_page_has_everything_with_stable_anchors(slack: SlackHarness) -> None:
    status, _, body = fetch(slack.url + "/glossary/customer-acquisition-cost-cac")
    html = body.decode()
    assert status == 200
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    for anchor in ("definition-in-plain-terms", "where-the-mechanics-matter", "when-teams-use-it", "worked-example",
                   "where-teams-go-wrong", "common-questions", "how-is-cac-calculated", "why-does-cac-matter"):
        assert anchor in ids
    assert "<h1>Customer acquisition cost (CAC)</h1>" in html
    assert '<th scope="col">New customers</th>' in html and "<td>$357</td>" in html
    assert "Owner: Finance &amp; Growth" in html and '<time datetime="2026-09-14">' in html
    assert "Where do teams slip up on CAC?</h3>\n<p><em>No answer yet.</em>" in html


def test_unknown_slug_is_a_404_page(slack: SlackHarness) -> None:
    status, headers, body = fetch(slack.url + "/glossary/no-such-term")
    assert status == 404 and "Not in the glossary" in body.decode() and headers["X-Content-Type-Options"] == "nosniff"
    assert fetch(slack.url + "/glossary/static/nope.js")[0] == 404


def test_static_files_are_same_origin_with_their_types(slack: SlackHarness) -> None:
    status, headers, _ = fetch(slack.url + "/glossary/static/glossary.js")
    assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert fetch(slack.url + "/glossary/static/glossary.css")[1]["Content-Type"] == "text/css; charset=utf-8"


def test_every_content_string_is_escaped(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        'title: "<script>alert(1)</script>"\ndefinition: "a & b <img src=x onerror=alert(1)>"\n'
        'owner: "<b>me</b>"\nextra: {"<i>k</i>": "\\"v"}\nsections:\n- heading: "<h1>"\n  body:\n'
        '  - table: {columns: ["<td>"], rows: [["</table>"]]}\n'
        'faq:\n- question: "Is 1 < 2?"\n  answer: "see https://x.example/?a=1&b=<2>"\n')
    [term] = load_glossary(tmp_path).terms
    html = term_page(term)
    for raw in ("<script>alert", "<img", "<b>me", "<i>k", "<h2><h1>", "<td><td>", "</table></td>"):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "a &amp; b &lt;img" in html
    assert "<h2>&lt;h1&gt;</h2>" in html and "<td>&lt;/table&gt;</td>" in html
    assert '<a href="https://x.example/?a=1&amp;b=">https://x.example/?a=1&amp;b=</a>&lt;2&gt;' in html
    assert "&lt;script&gt;" in index_page(Glossary.of([term]))


def test_index_of_10000_terms_renders_and_stays_small() -> None:
    terms = [Term(Slug(f"term-{i}"), f"Term number {i}", "A definition long enough to be cut in the index: " * 3,
                  field="Growth", aliases=(f"T{i}",)) for i in range(10_000)]
    html = index_page(Glossary.of(terms))
    assert html.count("<li data-a=") == 10_000
    assert len(html.encode()) < 2_200_000  # about 200 bytes a term
    assert len(gzip.compress(html.encode())) < 400_000  # what the server sends (it compresses)


def test_static_site_is_byte_identical_to_the_served_pages(slack: SlackHarness, tmp_path: Path) -> None:
    out = tmp_path / "site"
    code = subprocess.run([sys.executable, "-m", "bot", "site", "--content", str(PAGES), "--out", str(out)],
                          capture_output=True, text=True, check=False)
    assert code.returncode == 0, code.stderr
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len(files) == 12 + 5 and "index.html" in files and "segment/index.html" in files
    for relative in files:
        path = "/glossary/" + relative.removesuffix("index.html").removesuffix("/")
        path = "/glossary/" if relative == "index.html" else path
        if relative == "404.html":
            continue
        assert fetch(slack.url + path)[2] == (out / relative).read_bytes(), relative
    assert (out / "404.html").read_text().count("Not in the glossary") == 1


def test_served_pages_follow_content_edits(standin: SlackStandIn, tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "a.yaml").write_text("title: Alpha\ndefinition: first\n")
    harness = SlackHarness(standin, content, INTENTS, tmp_path / "state.sqlite3")
    try:
        assert "first" in fetch(harness.url + "/glossary/alpha")[2].decode()
        (content / "a.yaml").write_text("title: Alpha\ndefinition: second version\n")
        standin.wait_for(lambda: "second version" in fetch(harness.url + "/glossary/alpha")[2].decode())
    finally:
        harness.stop()


# ---- links -----------------------------------------------------------------------------------------


def test_public_url_links_answers_to_the_bots_pages_and_a_terms_own_url_or_base_url_wins() -> None:
    assert page_base(None, "https://bot.example.com/") == "https://bot.example.com/glossary"
    assert page_base("https://wiki.example.com/g", "https://bot.example.com") == "https://wiki.example.com/g"
    engine = Engine.load(PAGES, INTENTS, page_base(None, "https://bot.example.com"))
    assert engine.ask("what is churn").link == "https://bot.example.com/glossary/churn-rate#worked-example"
    assert engine.ask("what is roas").link == "https://wiki.example.com/glossary/roas#worked-example"


def test_settings_build_links_from_the_public_url_and_check_it() -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "GLOSSARY_PUBLIC_URL": "https://bot.example.com"}
    assert load_settings(env).base_url == "https://bot.example.com/glossary"
    assert load_settings({**env, "GLOSSARY_BASE_URL": "https://wiki.example.com"}).base_url == "https://wiki.example.com"
    with pytest.raises(SettingsError, match="GLOSSARY_PUBLIC_URL must be the bot's public address"):
        load_settings({**env, "GLOSSARY_PUBLIC_URL": "bot.example.com"})


def _ask(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    clean = {k: v for k, v in os.environ.items() if k not in ("GLOSSARY_BASE_URL", "GLOSSARY_PUBLIC_URL")}
    return subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "--content", str(PAGES), *args],
                          input="what is churn\nchurn mistakes\n", capture_output=True, text=True, check=True,
                          env={**clean, **(env or {})}, cwd=ROOT)


def test_ask_without_link_settings_says_once_how_to_get_links() -> None:
    result = _ask()
    assert [json.loads(line)["link"] for line in result.stdout.splitlines()] == [None, None]
    assert result.stderr == ""  # a script's log stays clean; a person at a terminal is told
    typed = run_in_terminal(["ask", "--json", "--content", str(PAGES)], b"churn rate\n\x04")
    assert typed.stderr.count("GLOSSARY_PUBLIC_URL") == 1 and "--web-port" in typed.stderr


def test_ask_with_a_web_port_links_to_the_local_pages() -> None:
    result = _ask("--web-port", "0")
    address = re.search(r"http://127\.0\.0\.1:(\d+)/glossary/", result.stderr)
    assert address, result.stderr
    link = json.loads(result.stdout.splitlines()[0])["link"]
    assert link == f"http://127.0.0.1:{address.group(1)}/glossary/churn-rate#worked-example"


def test_ask_with_public_url_links_there_and_says_nothing() -> None:
    result = _ask(env={"GLOSSARY_PUBLIC_URL": "https://bot.example.com"})
    assert json.loads(result.stdout.splitlines()[0])["link"] == \
        "https://bot.example.com/glossary/churn-rate#worked-example"
    assert result.stderr == ""


def test_serve_takes_a_web_port_for_socket_mode() -> None:
    from bot.cli import build_parser

    args = build_parser().parse_args(["serve", "--web-port", "8080"])
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}
    assert load_settings(env, web_port=args.web_port).web_port == 8080


def test_pages_run_on_their_own_port_beside_socket_mode() -> None:
    from bot.web.routes import serve_pages_in_background

    glossary = load_glossary(PAGES)
    port = serve_pages_in_background(lambda: glossary, 0)
    status, _, body = fetch(f"http://127.0.0.1:{port}/glossary/segment")
    assert status == 200 and body.decode() == term_page(glossary.by_slug[Slug("segment")])


# ---- unfurls -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["https://bot.example.com/glossary/churn-rate#worked-example",
                                 "https://glossary.example.com/churn-rate"])
def test_pasted_glossary_link_unfurls_with_the_definition(slack: SlackHarness, standin: SlackStandIn, url: str) -> None:
    other = "https://elsewhere.example.com/blog"
    reply = slack.event({"type": "link_shared", "channel": "C1", "user": "U1", "message_ts": "123.456",
                         "links": [{"domain": "bot.example.com", "url": url}, {"domain": "x", "url": other}]})
    assert reply.status == 200
    standin.wait_for(lambda: standin.calls_to("chat.unfurl"))
    [call] = standin.calls_to("chat.unfurl")
    unfurls = json.loads(call.params["unfurls"]) if isinstance(call.params["unfurls"], str) else call.params["unfurls"]
    assert (call.params["channel"], call.params["ts"]) == ("C1", "123.456") and list(unfurls) == [url]
    blocks = unfurls[url]["blocks"]
    assert "The share of customers who leave in a given period" in blocks[0]["text"]["text"]
    [button] = blocks[-1]["elements"]
    assert button["text"]["text"] == "Worked example" and button["url"].endswith("churn-rate#worked-example")


def test_clicking_a_preview_s_link_button_is_only_acked(slack: SlackHarness, standin: SlackStandIn) -> None:
    reply = slack.click({"action_id": OPEN_PAGE, "type": "button", "url": "https://bot.example.com/glossary/segment"},
                        ephemeral=False)
    slack.mention("what is churn")  # a later request, to know the click was handled
    standin.wait_for(lambda: standin.posts)
    assert reply.status == 200 and standin.responses == [] and standin.calls_to("chat.postEphemeral") == []


def test_links_typed_in_the_composer_unfurl_by_their_unfurl_id(slack: SlackHarness, standin: SlackStandIn) -> None:
    url = "https://bot.example.com/glossary/segment"
    slack.event({"type": "link_shared", "channel": "COMPOSER", "user": "U1", "message_ts": "U1-abc",
                 "unfurl_id": "Uf1", "source": "composer", "links": [{"domain": "bot.example.com", "url": url}]})
    standin.wait_for(lambda: standin.calls_to("chat.unfurl"))
    [call] = standin.calls_to("chat.unfurl")
    assert (call.params["unfurl_id"], call.params["source"]) == ("Uf1", "composer") and "channel" not in call.params


def test_links_to_unknown_terms_are_not_unfurled(slack: SlackHarness, standin: SlackStandIn) -> None:
    slack.event({"type": "link_shared", "channel": "C1", "user": "U1", "message_ts": "1.2",
                 "links": [{"domain": "bot.example.com", "url": "https://bot.example.com/glossary/nope"}]})
    slack.mention("what is churn")  # a later event, to know the first was handled
    standin.wait_for(lambda: standin.posts)
    assert standin.calls_to("chat.unfurl") == []


def test_slug_in_reads_page_addresses() -> None:
    assert slug_in("https://h/glossary/a-b/?x=1#y") == "a-b"
    assert slug_in("https://h/wiki/a-b", "https://h/wiki") == "a-b"
    assert slug_in("https://h/glossary/") is None and slug_in("https://h/glossary/A%20B") is None
