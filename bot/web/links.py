"""Where answers link to: the term's own page address, else the glossary pages (see Engine.link)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

PAGE_PATH_RE = re.compile(r"/glossary/([a-z0-9]+(?:-[a-z0-9]+)*)/?$")


def page_base(base_url: str | None, public_url: str | None) -> str | None:
    """GLOSSARY_BASE_URL when set (pages hosted elsewhere), else the bot's own pages under
    GLOSSARY_PUBLIC_URL; None when neither is known."""
    if base_url:
        return base_url
    return f"{public_url.rstrip('/')}/glossary" if public_url else None


def slug_in(url: str, base_url: str | None = None) -> str | None:
    """The term slug a glossary page address names: …/glossary/<slug>, or <base_url>/<slug>."""
    address = re.split(r"[#?]", url, maxsplit=1)[0]
    if base_url and address.startswith(base_url.rstrip("/") + "/"):
        rest = address[len(base_url.rstrip("/")) + 1:].strip("/")
        return rest if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", rest) else None
    found = PAGE_PATH_RE.search(urlsplit(address).path)
    return found.group(1) if found else None
