"""Markdown that strangers write, as HTML that is safe to put in a page.

Two layers: markdown-it-py renders CommonMark with raw HTML turned off (a `<script>` typed
in a comment comes out as text), and nh3 then keeps only a small set of tags and
attributes, so whatever the renderer lets through, nothing but these reaches the page.
Headings, rules and images are not rendered: a comment is a few paragraphs, and an image
would load from anyone's server as the page is read.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "a", "code", "pre", "ul", "ol", "li", "blockquote"}
)
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# "commonmark" without html; a newline is a line break, as people type comments.
_renderer = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(
    ["heading", "lheading", "hr", "image"]
)


def clean_html(html: str) -> str:
    """Only the allowed tags and attributes of `html`; links get rel="nofollow ugc noopener"
    and may only point at http(s), mailto or a relative address."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        # Tags whose content is code or styling, not text: dropped with what they hold.
        clean_content_tags={"script", "style"},
    )


def render_markdown(source: str) -> str:
    """The comment's Markdown as sanitized HTML, ready to mark safe."""
    return clean_html(_renderer.render(source))
