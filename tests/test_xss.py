"""Untrusted HTML is inert on every page: Markdown bodies and every front-matter value an author
writes go through escaping (templates) or the nh3 allow-list (bodies), and no payload survives
as a script, an event handler, a ``javascript:`` URL or an attribute breakout.

The payloads are classics in the spirit of the OWASP XSS Filter Evasion Cheat Sheet, typed here.
Each becomes one briefing with the payload in every field; then every page type is parsed with
html.parser, as a browser would build it, and searched for anything that could run.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pycountry
import pytest
from conftest import TODAY, write

from app import create_app

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<img src=x onerror=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    '<SCRIPT/XSS SRC="http://xss.example/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=http://xss.example/xss.js?< B >",
    "<iframe src=http://xss.example/scriptlet.html <",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "<STYLE>@import'http://xss.example/xss.css';</STYLE>",
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.example/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" type="image/svg+xml">',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<details open ontoggle=alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<!--<script>alert(1)</script>-->",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "' onmouseover='alert(1)",
    '" onmouseover="alert(1)',
    "</script><script>alert(1)</script>",  # a JSON-LD breakout
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "![x](javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    'A paragraph.\n{: onclick="alert(1)" style="color:red" }',
    '[a link](https://example.org/"onmouseover="alert(1))',
]

ISO_CODES = sorted(c.alpha_2 for c in pycountry.countries if c.alpha_2 not in {"NO"})

SITE = {
    "name": '"><script>alert("site")</script>',
    "tagline": "' onmouseover='alert(1)",
    "description": '<img src=x onerror="alert(1)">',
    "disclaimer": "<iframe src=javascript:alert(1)></iframe>",
    "regions": [
        {"name": "<svg/onload=alert(1)>", "slug": "svg-land", "description": "<script>alert(1)</script>"},
        {"name": "Plain Region", "slug": "plain"},
    ],
}


def y(value: str) -> str:
    """A YAML double-quoted scalar: JSON strings are valid YAML."""
    return json.dumps(value, ensure_ascii=False)


def briefing(payload: str, iso: str, region: str) -> str:
    one_line = " ".join(payload.split())
    link = f"""
  - author: {y(one_line)}
    outlet: {y(one_line)}
    date: 2026-10-01
    title: {y(one_line)}
    url: {y('https://example.org/"><script>alert(1)</script>')}"""
    return f"""---
country: {y(one_line + " land")}
iso: {iso}
region: {y(region)}
summary: {y(one_line[:380] + " alert")}
title: {y(one_line)}
image:
  file: voter.jpg
  alt: {y(one_line)}
  caption: {y(one_line)}
  credit: {y(one_line)}
  license: {y(one_line)}
facts:
  freedom_house: {{status: Partly Free, score: 50, note: {y(one_line)}}}
  government: {y(one_line)}
  population: {y(one_line)}
elections:
  - kind: general
    title: {y(one_line)}
    date: 2027-08-10
    status: scheduled
    note: {y(one_line)}
  - kind: presidential
    date: 2025-03-02
    status: held
    note: {y(one_line)}
    results:
      turnout: 50.5
      registered_voters: 1000
      seats: [{{party: {y(one_line)}, seats: 3}}, {{party: {y(one_line + " 2")}, seats: 2, color: "#123456"}}]
news:{link}
sources:{link}
updated: 2026-11-01
---
## {payload}

{payload}

Inline {payload} text, a [link](https://example.org/) and *alert* words.

> {payload}

- {payload}

| a | b |
|---|---|
| {payload.splitlines()[0]} | x |
"""


@pytest.fixture(scope="module")
def xss_app(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("xss")
    content = root / "content"
    import yaml

    write(content / "site.yaml", yaml.safe_dump(SITE, allow_unicode=True))
    regions = [r["name"] for r in SITE["regions"]]
    for index, payload in enumerate(PAYLOADS):
        write(content / "countries" / f"c{index}.md", briefing(payload, ISO_CODES[index], regions[index % 2]))
    write(
        content / "pages" / "about.md",
        f"---\ntitle: {y(PAYLOADS[0])}\nsummary: {y(PAYLOADS[35])}\nnav: 1\n---\n" + "\n\n".join(PAYLOADS),
    )
    (root / "static" / "images").mkdir(parents=True)
    (root / "static" / "images" / "voter.jpg").write_bytes(b"\xff\xd8\xff")
    app = create_app({"TESTING": True, "CONTENT_DIR": str(content), "TODAY": TODAY, "CHECK_INTERVAL": 3600})
    app.static_folder = str(root / "static")  # so the hero image, and its caption and credit, are shown
    return app


def test_every_payload_made_a_valid_briefing(xss_app):
    with xss_app.app_context():
        snap = xss_app.extensions["votebrief.store"].snapshot()
    assert [str(p) for p in snap.problems] == []
    assert len(snap.briefings) == len(PAYLOADS)


BLOCKED_TAGS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "math", "animate", "set",
    "foreignobject", "use", "video", "audio", "source", "template", "details", "marquee", "body_in_body",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background", "poster", "srcset"}
KNOWN_LINK_RELS = {"stylesheet", "alternate", "canonical", "icon", "preload", "manifest", "search", "license"}


class Inspector(HTMLParser):
    """Everything in a page that could run: scripts, handlers, script URLs, dangerous elements."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.in_json_ld = False
        self.json_ld: list[str] = []
        self.bodies = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script":
            if values.get("type") == "application/ld+json" and "src" not in values:
                self.in_json_ld = True
                self.json_ld.append("")
            else:
                self.found.append(f"<script {values}>")
        if tag in BLOCKED_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "body":
            self.bodies += 1
        if tag == "meta" and "http-equiv" in values:
            self.found.append(f"<meta http-equiv={values['http-equiv']}>")
        if tag == "link" and not set(values.get("rel", "").split()) <= KNOWN_LINK_RELS:
            self.found.append(f"<link rel={values.get('rel')}>")
        if tag == "input" and values.get("type", "").lower() == "image":
            self.found.append("<input type=image>")
        if tag == "form" and not values.get("action", "/").startswith("/"):
            self.found.append(f"<form action={values['action']}>")
        for name, value in values.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
            squashed = "".join(ch for ch in value if ch > " ").lower()
            if name in URL_ATTRIBUTES and squashed.startswith(("javascript:", "vbscript:", "data:")):
                self.found.append(f"<{tag} {name}={value[:30]}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_json_ld = False

    def handle_data(self, data: str) -> None:
        if self.in_json_ld:
            self.json_ld[-1] += data
        self.text.append(data)


def inspect(html: str) -> Inspector:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector


def assert_inert(url: str, html: str) -> Inspector:
    page = inspect(html)
    assert page.found == [], url
    assert page.bodies == 1, f"{url}: a second <body> means markup broke out"
    for block in page.json_ld:
        # Inside a script element only "</script>" ends it: JSON-LD must escape every "<" as \u003c.
        assert "<" not in block, f"{url}: raw '<' in JSON-LD"
        json.loads(block)
    return page


def page_urls(app) -> list[str]:
    with app.app_context():
        snap = app.extensions["votebrief.store"].snapshot()
    return [
        "/",
        "/countries/",
        "/elections/",
        "/elections/2027/",
        "/elections/2025/",
        "/elections/?region=svg-land",
        "/elections/?region=plain&kind=general&freedom=partly-free",
        "/regions/svg-land/",
        "/regions/plain/",
        "/about/",
        "/search?q=alert",
        "/search?q=land",
        "/search?q=script",
        *(f"/countries/{slug}/" for slug in snap.briefings),
    ]


def test_every_page_type_renders_every_payload_inert(xss_app):
    client = xss_app.test_client()
    for url in page_urls(xss_app):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(url, response.get_data(as_text=True))


@pytest.mark.parametrize("index", range(len(PAYLOADS)))
def test_front_matter_payloads_are_shown_as_text_not_dropped(xss_app, index):
    # Escaping, not stripping: the reader sees exactly what the author wrote.
    html = xss_app.test_client().get(f"/countries/c{index}/").get_data(as_text=True)
    page = assert_inert(f"/countries/c{index}/", html)
    text = "".join(page.text)
    assert " ".join(PAYLOADS[index].split()) in text
    assert 'class="hero"' in html, "the image caption and credit must be on the page to be tested"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_search_queries_and_filter_values_are_reflected_inert(xss_app, payload):
    client = xss_app.test_client()
    for url, params in [
        ("/search", {"q": payload}),
        ("/elections/", {"region": payload}),
        ("/elections/", {"kind": payload}),
    ]:
        response = client.get(url, query_string=params)
        assert response.status_code in {200, 400}, (url, payload)
        assert_inert(url, response.get_data(as_text=True))


def test_the_inspector_catches_what_it_is_meant_to_catch():
    # A check that cannot fail proves nothing: each of these must be caught.
    for html in [
        "<body><script>alert(1)</script></body>",
        '<body><img src=x onerror="alert(1)"></body>',
        '<body><a href=" JaVa\tScRiPt:alert(1)">x</a></body>',
        '<body><iframe src="https://x"></iframe></body>',
        '<body><svg><a xlink:href="javascript:alert(1)"></a></svg></body>',
        '<body><p style="x">a</p></body>',
        '<body><script type="application/ld+json">{"a": "</script><script>alert(1)</script>"}</script></body>',
    ]:
        assert inspect(html).found, html
    page = inspect('<body><script type="application/ld+json">{"a": "<b>"}</script></body>')
    assert page.found == [] and "<" in page.json_ld[0]


def test_an_author_cannot_link_to_a_script_url_in_front_matter(xss_app, tmp_path: Path):
    from votebrief.errors import ContentFileError
    from votebrief.parse import parse_briefing

    text = briefing("x", "KE", "Plain Region").replace(
        'url: "https://example.org/\\"><script>alert(1)</script>"', 'url: "javascript:alert(1)"'
    )
    with pytest.raises(ContentFileError) as caught:
        parse_briefing(text.encode(), "content/countries/x.md", "x", ["Plain Region"])
    assert all("is not a web address" in str(p) for p in caught.value.problems)
