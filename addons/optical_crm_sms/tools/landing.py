"""Landing page helpers: personalisation and video embedding, no ORM.

A landing page is public: the only customer data it may show is the first
name. Placeholders are therefore a closed list, replaced by escaped values;
any other ``{{ … }}`` expression is removed rather than evaluated.
"""
import re
from urllib.parse import parse_qs, urlparse

from markupsafe import escape

# ``{{ object.first_name }}``, or with the text shown when the value is empty,
# as Odoo's placeholder picker writes it: ``{{object.first_name ||| customer}}``.
PLACEHOLDER = re.compile(r"\{\{\s*([\w.]+)\s*(?:\|\|\|\s*(.*?))?\s*\}\}", re.S)
LANDING_PLACEHOLDERS = {
    "object.first_name": "first_name",
    "object.company_id.name": "shop_name",
}
ANY_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
YOUTUBE_ID = re.compile(r"^[\w-]{6,20}$")
# A host name or an IPv6 address in brackets, with an optional port.
WEB_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[\w.-]+)(:\d{1,5})?$")


def render_landing_html(html, values):
    """Replace the allowed placeholders of ``html`` with the escaped
    ``values`` (``first_name``, ``shop_name``), or their default text (part
    of ``html``) when the value is empty; drop any other placeholder."""

    def replace(match):
        key = LANDING_PLACEHOLDERS.get(match.group(1))
        if not key:
            return ""
        value = values.get(key)
        return str(escape(value)) if value else (match.group(2) or "")

    return PLACEHOLDER.sub(replace, html or "")


def unknown_placeholders(text):
    """The ``{{ … }}`` of ``text`` that are not a landing page's placeholders."""
    return [match.group(0) for match in ANY_PLACEHOLDER.finditer(text or "")
            if match.group(1).split("|||")[0].strip() not in LANDING_PLACEHOLDERS]


def video_embed(url):
    """How to show a video URL: ``("iframe", embed URL)`` for YouTube and
    Vimeo, ``("video", url)`` for a file (mp4, webm, ogg), ``None`` otherwise."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https"):
        return None
    host = (parsed.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    video_id = None
    if host == "youtu.be":
        video_id = parsed.path.strip("/")
    elif host in ("youtube.com", "youtube-nocookie.com"):
        if parsed.path == "/watch":
            video_id = (parse_qs(parsed.query).get("v") or [""])[0]
        elif parsed.path.startswith(("/embed/", "/shorts/")):
            video_id = parsed.path.split("/")[2]
    if video_id is not None:
        if not YOUTUBE_ID.match(video_id):
            return None
        return "iframe", "https://www.youtube-nocookie.com/embed/%s" % video_id
    if host == "vimeo.com" and parsed.path.strip("/").isdigit():
        return "iframe", "https://player.vimeo.com/video/%s" % parsed.path.strip("/")
    if host == "player.vimeo.com":
        return "iframe", url.strip()
    if parsed.path.lower().endswith((".mp4", ".webm", ".ogg", ".ogv")):
        return "video", url.strip()
    return None


# User agents of the programs that fetch a link to show its preview (chat
# apps, social networks, search engines) or check it (mail scanners): their
# fetch is not the customer opening the page.
LINK_PREVIEW_AGENTS = re.compile(
    r"bot\b|bot/|crawler|spider|preview|facebookexternalhit|facebookcatalog|whatsapp|telegram|slack|"
    r"discord|skypeuripreview|linkedin|twitter|pinterest|embedly|vkshare|quora link|outbrain|"
    r"google-pagerenderer|googleother|bingpreview|yahoo! slurp|applebot|iframely",
    re.IGNORECASE)


def is_visit(method, user_agent):
    """Whether a request for a landing page is a person opening it: a GET
    (a HEAD only asks whether the page exists) from a browser, not from a
    link-preview or scanning program."""
    if (method or "").upper() != "GET":
        return False
    return not LINK_PREVIEW_AGENTS.search(user_agent or "")


def is_button_url(url):
    """Whether ``url`` may be a landing page's button link: a web address
    (``http(s)://`` and a host), ``tel:``, ``mailto:``, or a page of this
    site: a path starting with a single ``/``. A browser reads ``//host`` and
    ``/\\host`` as another site, and drops tabs and line breaks inside a
    link (``/<tab>/host`` is ``//host``): web links and paths may hold no
    space or control character at all."""
    if not isinstance(url, str) or not url or any(ord(char) < 32 or ord(char) == 127 for char in url):
        return False
    if url.lower().startswith(("tel:", "mailto:")):
        return len(url.partition(":")[2].strip()) > 0
    if any(char.isspace() for char in url):
        return False
    if url.startswith("/"):
        return url[1:2] not in ("/", "\\")
    scheme, separator, rest = url.partition("://")
    if scheme.lower() not in ("http", "https") or not separator:
        return False
    authority = re.split(r"[/?#\\]", rest, maxsplit=1)[0]
    return "@" not in authority and bool(WEB_HOST.match(authority))
