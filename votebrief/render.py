"""Markdown bodies to safe HTML: Python-Markdown for the syntax, nh3 as the allow-list guard."""

from __future__ import annotations

import html as html_lib
import re
import threading
from collections.abc import Callable
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import AtomicString
from markupsafe import Markup

from votebrief.typography import VERBATIM, smarten_between

EXTENSIONS = ["toc", "tables", "footnotes", "attr_list", "sane_lists"]
# Headings get ids from toc; no page shows a "[TOC]" table of contents, so no marker is looked for.
EXTENSION_CONFIGS = {"toc": {"toc_depth": "2-3", "marker": ""}}

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


class _Typography(Treeprocessor):
    def run(self, root: Element) -> None:
        self._walk(root)

    def _walk(self, element: Element) -> None:
        children = list(element)
        for index, child in enumerate(children):
            if child.tag not in VERBATIM:
                if child.text and not isinstance(child.text, AtomicString):
                    child.text = smarten_between(child.text, after_element=False, before_element=len(child) > 0)
                self._walk(child)
            if child.tail:
                child.tail = smarten_between(child.tail, after_element=True, before_element=index + 1 < len(children))


# What can start a match of each stock inline pattern. Python-Markdown tries every pattern
# on every text node, and for the plain prose that makes up most of a briefing all of them
# fail; one search for these characters settles that at a fortieth of the cost.
_INLINE_TRIGGERS = {
    "backtick": r"[`\\]", "escape": r"\\", "footnote": r"\[", "reference": r"\[", "link": r"\[",
    "image_link": r"\[", "image_reference": r"\[", "short_reference": r"\[", "short_image_ref": r"\[",
    "autolink": "<", "automail": "<", "linebreak": "  \n", "entity": "&", "em_strong": r"[*_]",
}  # fmt: skip


class _QuickInline(InlineProcessor):
    """Python-Markdown's inline pass, skipping text that no registered pattern could match.

    The output is the stock processor's, byte for byte (tests/test_render.py compares them);
    a pattern this table does not know switches the shortcut off.
    """

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self._could_match: re.Pattern[str] | None = None

    def run(self, tree: Element, ancestors: list[str] | None = None) -> Element:
        known = [name for name in _INLINE_TRIGGERS if name in self.inlinePatterns]
        complete = len(known) == len(self.inlinePatterns)
        self._could_match = re.compile("|".join({_INLINE_TRIGGERS[name] for name in known})) if complete else None
        return super().run(tree, ancestors)

    # Python-Markdown names this method privately; overriding it is the one place to skip work.
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        if self._could_match is not None and self._could_match.search(data) is None:
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)


class _SiteMarkdown(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        # Raw HTML in a body is shown as text, never passed through: links and formatting
        # come from Markdown syntax, which the sanitiser below then checks again.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_Typography(md), "typography", 10)
        md.treeprocessors.register(_ExternalLinks(md), "external_links", 1)


# What a block must contain for each stock block processor to claim it (each one's pattern
# cannot match without it). Python-Markdown puts every block to every processor in turn,
# and for a paragraph of prose each regular-expression search fails: a substring test says
# so first, and takes a quarter off the Markdown time of a briefing.
_BLOCK_NEEDS = {
    "table": ("|",),
    "hashheader": ("#",),
    "setextheader": ("\n=", "\n-"),
    "hr": ("-", "_", "*"),
    "footnote": ("[^",),
    "quote": (">",),
    "reference": ("]:",),
}


def _needs(needed: tuple[str, ...], test: Callable[[Element, str], bool]) -> Callable[[Element, str], bool]:
    # Run for every block and processor: plain `in` tests, without a generator for any().
    if len(needed) == 1:
        (only,) = needed

        def quick_test(parent: Element, block: str) -> bool:
            return only in block and test(parent, block)

        return quick_test

    def quick_test_any(parent: Element, block: str) -> bool:
        for text in needed:
            if text in block:
                return test(parent, block)
        return False

    return quick_test_any


class _Shortcuts(Extension):
    """Skip work that cannot change the output: the HTML is stock Python-Markdown's, byte for byte.

    tests/test_render.py renders every shipped body, the benchmark's bodies and generated
    snippets with and without this extension and compares.
    """

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        md.treeprocessors.register(_QuickInline(md), "inline", 20)
        for name, needed in _BLOCK_NEEDS.items():
            if name in md.parser.blockprocessors:
                processor = md.parser.blockprocessors[name]
                processor.test = _needs(needed, processor.test)  # type: ignore[method-assign]


def is_external(href: str) -> bool:
    return urlsplit(href).scheme in {"http", "https"}


class _Converter(markdown.Markdown):
    """Python-Markdown, with its block-level tag test against a set instead of a list.

    The test runs hundreds of times a body (the parser, prettify, the serializer) and
    searched a 50-item list each time. The set is taken from the list at every conversion,
    so an extension that adds a tag is still honoured.
    """

    def convert(self, source: str) -> str:
        self._block_tags = frozenset(self.block_level_elements)
        return super().convert(source)

    def is_block_level(self, tag: object) -> bool:
        return isinstance(tag, str) and tag.lower().rstrip("/") in self._block_tags


def new_converter() -> markdown.Markdown:
    return _Converter(
        extensions=[*EXTENSIONS, _SiteMarkdown(), _Shortcuts()],
        extension_configs=EXTENSION_CONFIGS,
        output_format="html",
    )


_local = threading.local()


def _convert(text: str) -> str:
    # A converter is reusable after reset() but not thread-safe: one per thread.
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = new_converter()
    try:
        return md.convert(text)
    finally:
        md.reset()


def render_markdown(text: str) -> Markup:
    """Render an author's Markdown to HTML that is safe to put in a page."""
    html = _convert(text)
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
    html = _convert(text)
    return " ".join(html_lib.unescape(nh3.clean(html, tags=set())).split())
