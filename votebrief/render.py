"""Markdown bodies to safe HTML: Python-Markdown for the syntax, nh3 as the allow-list guard."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from markupsafe import Markup

EXTENSIONS = ["toc", "tables", "footnotes", "attr_list", "sane_lists"]
EXTENSION_CONFIGS = {"toc": {"toc_depth": "2-3"}}

# What those extensions emit, and nothing else: no scripts, styles, frames, forms or handlers.
ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang"},
    "a": {"href", "rel", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTERNAL_REL = "noopener noreferrer"


class _ExternalLinks(Treeprocessor):
    def run(self, root: Element) -> None:
        for link in root.iter("a"):
            if is_external(link.get("href", "")):
                link.set("rel", EXTERNAL_REL)


# Python-Markdown's smarty extension runs a dozen patterns at every position of the
# inline pass and costs more than half of a briefing's render (7 of 12 ms for 12 KB).
# These few substitutions over finished text nodes give the same typography in one pass.
_TYPOGRAPHY = [
    (re.compile(r"---"), "\u2014"),
    (re.compile(r"--"), "\u2013"),
    (re.compile(r"\.\.\."), "\u2026"),
    (re.compile(r"(?:^|(?<=[\s(\[{\u2013\u2014]))\"(?=\S)"), "\u201c"),
    (re.compile(r'"'), "\u201d"),
    (re.compile(r"(?<=\w)'(?=\w)"), "\u2019"),
    (re.compile(r"(?:^|(?<=[\s(\[{\u2013\u2014]))'(?=\S)"), "\u2018"),
    (re.compile(r"'"), "\u2019"),
]
_VERBATIM = {"code", "pre", "kbd", "samp"}


_NEEDS_TYPOGRAPHY = re.compile(r"[\"']|--|\.\.\.")


def smarten(text: str) -> str:
    """Curly quotes, dashes and ellipses for plain text."""
    if not _NEEDS_TYPOGRAPHY.search(text):
        return text
    for pattern, replacement in _TYPOGRAPHY:
        text = pattern.sub(replacement, text)
    return text


def _smarten_between(text: str, *, after_element: bool, before_element: bool) -> str:
    # A quote touching an inline element ("*word*") must see the element as a word:
    # stand-in letters on either side give the patterns that context, then go.
    head, tail = ("x" if after_element else ""), ("x" if before_element else "")
    smart = smarten(head + text + tail)
    return smart[len(head) : len(smart) - len(tail)]


class _Typography(Treeprocessor):
    def run(self, root: Element) -> None:
        self._walk(root)

    def _walk(self, element: Element) -> None:
        children = list(element)
        for index, child in enumerate(children):
            if child.tag not in _VERBATIM:
                if child.text and not isinstance(child.text, AtomicString):
                    child.text = _smarten_between(child.text, after_element=False, before_element=len(child) > 0)
                self._walk(child)
            if child.tail:
                child.tail = _smarten_between(child.tail, after_element=True, before_element=index + 1 < len(children))


class _SiteMarkdown(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        # Raw HTML in a body is shown as text, never passed through: links and formatting
        # come from Markdown syntax, which the sanitiser below then checks again.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_Typography(md), "typography", 10)
        md.treeprocessors.register(_ExternalLinks(md), "external_links", 1)


def is_external(href: str) -> bool:
    return urlsplit(href).scheme in {"http", "https"}


def _converter() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[*EXTENSIONS, _SiteMarkdown()], extension_configs=EXTENSION_CONFIGS, output_format="html"
    )


def render_markdown(text: str) -> Markup:
    """Render an author's Markdown to HTML that is safe to put in a page."""
    html = _converter().convert(text)
    return Markup(sanitize(html))


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def plain_text(text: str) -> str:
    """The words of a Markdown body without markup, for search and summaries."""
    html = _converter().convert(text)
    return " ".join(html_lib.unescape(nh3.clean(html, tags=set())).split())
