"""Markdown bodies become safe HTML."""

import random
from html.parser import HTMLParser
from pathlib import Path

import frontmatter
import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.inlinepatterns import SimpleTagInlineProcessor
from markdown.treeprocessors import InlineProcessor

from bench import corpus
from votebrief import render
from votebrief.render import EXTENSION_CONFIGS, EXTENSIONS, new_converter, plain_text, render_markdown

CONTENT = Path(__file__).resolve().parent.parent / "content"


def test_headings_get_anchors_and_tables_footnotes_and_smart_quotes_work():
    html = render_markdown(
        '## Political Context\n\n"Quoted" -- text.[^1]\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[^1]: A note.\n'
    )
    assert '<h2 id="political-context">Political Context</h2>' in html
    assert "“Quoted” – text." in html
    assert "<table>" in html and "<td>1</td>" in html
    assert 'class="footnote"' in html


def test_attribute_lists_add_classes_but_not_handlers_or_styles():
    html = render_markdown('A paragraph.\n{: .lead onclick="alert(1)" style="color:red" }\n')
    assert 'class="lead"' in html
    assert "onclick" not in html and "style" not in html


def test_external_links_get_noopener_and_internal_links_do_not():
    html = render_markdown("[out](https://example.org/a) and [in](/countries/kenya/)")
    assert '<a href="https://example.org/a" rel="noopener noreferrer">out</a>' in html
    assert '<a href="/countries/kenya/">in</a>' in html


def parse_tags(html: str) -> list[tuple[str, list]]:
    """Every element a browser would build from the HTML, with its attributes."""
    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(html)
    return found


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<iframe src="https://evil.example"></iframe>',
        '<svg onload="alert(1)"><circle r="1"/></svg>',
        '<a href="javascript:alert(1)">x</a>',
        '"><script>alert(1)</script>',
        "<style>body{display:none}</style>",
    ],
)
def test_raw_html_payloads_are_rendered_inert(payload):
    tags = parse_tags(render_markdown(f"Text {payload} more.\n\n{payload}\n"))
    assert {name for name, _ in tags} <= {"p", "a"}
    for _, attrs in tags:
        assert not [name for name, _ in attrs if name.startswith("on") or name == "style"]
        assert not [value for _, value in attrs if value and value.strip().lower().startswith("javascript:")]


def test_markdown_links_with_script_urls_lose_their_href():
    html = render_markdown("[click](javascript:alert(1)) [data](data:text/html,hi)")
    assert "javascript:" not in html and "data:text" not in html


def test_plain_text_strips_markup_for_search():
    assert plain_text("## Heading\n\nSome *text* & [a link](https://x.org).") == "Heading Some text & a link."


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ('"Quoted" text', "<p>“Quoted” text</p>"),
        ("it's 1990s' rock", "<p>it’s 1990s’ rock</p>"),
        ("a -- b --- c ...", "<p>a – b — c …</p>"),
        ("\"*emphasis*\" and '*single*'", "<p>“<em>emphasis</em>” and ‘<em>single</em>’</p>"),
        ('("paren")', "<p>(“paren”)</p>"),
        ('`"code" -- as is`', '<p><code>"code" -- as is</code></p>'),
    ],
)
def test_smart_typography_curls_quotes_and_dashes_but_not_code(markdown, html):
    assert render_markdown(markdown) == html


def _stock_and_quick() -> tuple[markdown.Markdown, markdown.Markdown]:
    """Stock Python-Markdown with the site's extensions, and the site's tuned converter."""
    stock = markdown.Markdown(
        extensions=[*EXTENSIONS, render._SiteMarkdown()], extension_configs=EXTENSION_CONFIGS, output_format="html"
    )
    assert type(stock.treeprocessors["inline"]) is InlineProcessor
    return stock, new_converter()


def _same_html(stock: markdown.Markdown, quick: markdown.Markdown, text: str) -> None:
    expected = stock.reset().convert(text)
    assert quick.reset().convert(text) == expected


def test_the_tuned_converter_renders_every_shipped_body_exactly_as_python_markdown_does():
    stock, quick = _stock_and_quick()
    bodies = [frontmatter.load(path).content for path in sorted(CONTENT.glob("**/*.md"))]
    assert len(bodies) > 10
    rng = random.Random(5)
    bodies += [corpus.body(rng) for _ in range(5)]  # the benchmark's: lists, links, emphasis, tables
    for body in bodies:
        _same_html(stock, quick, body)


MARKDOWN_ALPHABET = "ab \n*_`\\[]()!<>&;#:/@^-'\"|.1="


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=MARKDOWN_ALPHABET, max_size=80))
def test_the_tuned_converter_matches_python_markdown_on_any_mix_of_markup(text):
    _same_html(*_stock_and_quick(), text)


# Lines that start (or almost start) each kind of block, so the block tests meet blocks
# that have, lack or only nearly have what each processor looks for.
BLOCK_LINES = [
    "# Heading #", "## Heading", "#no space", "Text", "===", "---", "- - -", "***", "_ _ _",
    "- item", "* item", "1. item", "> quote", ">quote", "| a | b |", "|---|---|", "a | b",
    "[^1]: note", "text[^1]", "[ref]: https://example.org", "[ref]", "    code", "", "",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(BLOCK_LINES), max_size=12))
def test_the_tuned_converter_matches_python_markdown_on_any_mix_of_blocks(lines):
    _same_html(*_stock_and_quick(), "\n".join(lines))


def test_an_unknown_inline_pattern_switches_the_shortcut_off():
    md = new_converter()
    md.inlinePatterns.register(SimpleTagInlineProcessor(r"()~~(.+?)~~", "del"), "strike", 65)
    assert "<del>gone</del>" in md.convert("plain ~~gone~~ text")
