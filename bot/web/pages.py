"""HTML for the glossary: an A–Z index with search as you type, one page per term, a 404 page.

Pure functions of the glossary. Every content string goes through html.escape; the only script and
style are same-origin files (static/), so a strict Content-Security-Policy holds. Addresses are
absolute (/glossary/…), so the same bytes work served by the bot and as a static site under /glossary/."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from html import escape
from importlib import resources

from bot.content import Block, Bullets, Glossary, Paragraph, Slug, Term, slugify

ROOT = "/glossary/"
STATIC = ROOT + "static/"
ASSETS = {"glossary.css": "text/css; charset=utf-8", "glossary.js": "text/javascript; charset=utf-8",
          "glossary.svg": "image/svg+xml"}  # the icon spares browsers a /favicon.ico request (and its 404)
# The same policy travels in a <meta> tag (static sites) and in the response header, which adds
# frame-ancestors (browsers ignore that directive in <meta>).
CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; base-uri 'none'; "
       "form-action 'none'")
INDEX_DEFINITION_CHARS = 90  # the index stays small at 10,000 terms; the term page has the rest
# A web address in content text, without trailing punctuation or the parenthesis around it.
URL_RE = re.compile(r"https?://[^\s<>\"'()\[\]]+?(?=[.,;:!?]*(?:[\s<>\"'()\[\]]|$))")


def asset(name: str) -> bytes:
    return resources.files("bot.web").joinpath("static", name).read_bytes()


def term_url(slug: str) -> str:
    return f"{ROOT}{slug}"


def _text(text: str) -> str:
    """Escaped text with its web addresses made into links."""
    out, last = [], 0
    for found in URL_RE.finditer(text):
        address = escape(found.group(0))
        out += [escape(text[last:found.start()]), f'<a href="{address}">{address}</a>']
        last = found.end()
    return "".join([*out, escape(text[last:])])


def _layout(title: str, body: str, script: bool = False) -> str:
    js = f'\n<script src="{STATIC}glossary.js" defer></script>' if script else ""
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="same-origin">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="icon" href="{STATIC}glossary.svg" type="image/svg+xml">\n'
        f'<link rel="stylesheet" href="{STATIC}glossary.css">{js}\n</head>\n<body>\n'
        '<a class="skip" href="#main">Skip to content</a>\n'
        f'<header class="site"><a href="{ROOT}">Glossary</a></header>\n'
        f'<main id="main">\n{body}</main>\n</body>\n</html>\n'
    )


def _letter(term: Term) -> str:
    first = unicodedata.normalize("NFD", term.title.strip())[:1].upper()
    return first if "A" <= first <= "Z" else "#"


def index_page(glossary: Glossary) -> str:
    """Every term A–Z with a short definition, letter links, and a search box (shown when JS runs)."""
    groups: dict[str, list[Term]] = {}
    for term in glossary.terms:
        groups.setdefault(_letter(term), []).append(term)
    letters = "".join(f'<li><a href="#letter-{slugify(k) if k != "#" else "other"}">{k}</a></li>' for k in groups)
    parts = [
        f"<h1>Glossary</h1>\n<p class=\"count\">{len(glossary.terms)} terms</p>\n",
        '<div id="search" role="search" hidden>\n<label for="q">Find a term</label>\n'
        '<input id="q" type="search" autocomplete="off" spellcheck="false" aria-describedby="count">\n'
        '<p id="count" class="count" aria-live="polite"></p>\n</div>\n',
        f'<nav class="letters" aria-label="Letters"><ul>{letters}</ul></nav>\n',
    ]
    for key, terms in groups.items():
        anchor = slugify(key) if key != "#" else "other"
        items = "".join(_index_item(t) for t in terms)
        parts.append(f'<section class="letter" id="letter-{anchor}">\n<h2>{escape(key)}</h2>\n'
                     f'<ul class="terms">\n{items}</ul>\n</section>\n')
    return _layout("Glossary", "".join(parts), script=True)


def _index_item(term: Term) -> str:
    # Kept lean (a 10,000-term index is about 1.7 MB, 0.3 MB compressed): the search reads the link
    # text and data-a (other names), folded in static/glossary.js.
    definition = term.definition
    if len(definition) > INDEX_DEFINITION_CHARS:
        definition = definition[: INDEX_DEFINITION_CHARS - 1].rsplit(" ", 1)[0] + "…"
    aka = f' data-a="{escape(" · ".join(term.aliases))}"' if term.aliases else ""
    field = f" ({escape(term.field)})" if term.field else ""
    return (f'<li{aka}><a href="{term_url(term.slug)}">{escape(term.title)}</a>{field} '
            f"<span>{escape(definition)}</span></li>\n")


class _Anchors:
    """Unique ids from headings and questions: the slug of the text, then -2, -3… when taken."""

    def __init__(self) -> None:
        self.taken = {"main", "search", "q", "count"}

    def __call__(self, text: str) -> str:
        base = slugify(text)
        anchor, n = base, 1
        while anchor in self.taken:
            n += 1
            anchor = f"{base}-{n}"
        self.taken.add(anchor)
        return anchor


def term_page(term: Term) -> str:
    """The whole term: definition, details, every section in order (tables as tables), the FAQ."""
    anchors = _Anchors()
    sections = [(anchors(s.heading), s.heading, s.body) for s in term.sections]
    faq_id = anchors("Common questions") if term.faq else ""
    questions = [(anchors(f.question), f) for f in term.faq]
    toc = [(a, h) for a, h, _ in sections] + ([(faq_id, "Common questions")] if term.faq else [])
    out = [f"<article>\n<h1>{escape(term.title)}</h1>\n"]
    if term.aliases:
        out.append(f'<p class="aka">Also called: {escape(", ".join(term.aliases))}</p>\n')
    out.append(f'<p class="lead">{_text(term.definition)}</p>\n{_details(term)}')
    if len(toc) > 1:
        links = "".join(f'<li><a href="#{a}">{escape(h)}</a></li>' for a, h in toc)
        out.append(f'<nav class="toc" aria-label="On this page"><ul>{links}</ul></nav>\n')
    for anchor, heading, body in sections:
        out.append(f'<section id="{anchor}">\n<h2>{escape(heading)}</h2>\n{"".join(_blocks(body, heading))}'
                   "</section>\n")
    if term.faq:
        out.append(f'<section id="{faq_id}">\n<h2>Common questions</h2>\n')
        for anchor, entry in questions:
            answer = _text(entry.answer) if entry.answer else "<em>No answer yet.</em>"
            out.append(f'<h3 id="{anchor}">{escape(entry.question)}</h3>\n<p>{answer}</p>\n')
        out.append("</section>\n")
    out.append(f"{_footer(term)}</article>\n")
    return _layout(f"{term.title} · Glossary", "".join(out))


def _details(term: Term) -> str:
    rows = [("Field", term.field), ("Category", term.category), *term.extra]
    if term.url:
        rows.append(("Also at", term.url))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{_text(v)}</dd>" for k, v in rows if v)
    return f'<dl class="meta">{items}</dl>\n' if items else ""


def _footer(term: Term) -> str:
    owner = f"Owner: {escape(term.owner)}" if term.owner else "No owner named"
    reviewed = (f'Last reviewed: <time datetime="{escape(term.last_reviewed)}">{escape(term.last_reviewed)}</time>'
                if term.last_reviewed else "not reviewed yet")
    return f"<footer>\n<p>{owner} · {reviewed}</p>\n</footer>\n"


def _blocks(body: tuple[Block, ...], heading: str) -> Iterator[str]:
    for block in body:
        if isinstance(block, Paragraph):
            yield f"<p>{_text(block.text)}</p>\n"
        elif isinstance(block, Bullets):
            yield "<ul>\n" + "".join(f"<li>{_text(item)}</li>\n" for item in block.items) + "</ul>\n"
        else:
            head = "".join(f'<th scope="col">{escape(c)}</th>' for c in block.columns)
            rows = "".join("<tr>" + "".join(f"<td>{_text(c)}</td>" for c in row) + "</tr>\n" for row in block.rows)
            yield (f'<div class="scroll" role="region" aria-label="{escape(heading)} table" tabindex="0">\n'
                   f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n</div>\n")


def not_found_page(slug: str = "") -> str:
    wanted = f"No term called “{escape(slug[:60])}” here. " if slug else ""  # cut: the address is anyone's text
    return _layout("Not found · Glossary", f"<h1>Not in the glossary</h1>\n<p>{wanted}"
                                           f'See <a href="{ROOT}">every term, A–Z</a>.</p>\n')


def site_pages(glossary: Glossary) -> Iterator[tuple[str, str]]:
    """(path under the site root, HTML) for every page: index, one per term, the 404 page."""
    yield "index.html", index_page(glossary)
    for term in glossary.terms:
        yield f"{term.slug}/index.html", term_page(term)
    yield "404.html", not_found_page()


def find(glossary: Glossary, slug: str) -> Term | None:
    return glossary.by_slug.get(Slug(slug))
