"""The briefing page shows every fact of the seed page, derived from front-matter."""

import re

import pytest

from votebrief import render

SEED_FACTS = [
    "Kazakhstan Legislative Elections: January 10, 2021",
    "Not Free",
    "Presidential Republic",
    "19.1 million",
    "Legislative Elections",
    "January 21, 2021",
    "Presidential Election",
    "June 2024",
    "Snap Presidential Election",
    "June 9, 2019",
    "March 16, 2016",
    "Political Context",
    "The 2021 Legislative Elections",
    "Geopolitical Context",
    "107",
    "Nur Otan",
    "Aruzhan Meirkhanova, Eurasianet (October 27, 2020)",
    "Catherine Putz, The Diplomat (October 21, 2020)",
    "RFE/RL (October 16, 2020)",
    "Almaz Kumenov, Eurasianet (September 30, 2020)",
    "BBC (June 10, 2019)",
    "Mihra Rittmann, Human Rights Watch (June 5, 2020)",
    "does not necessarily agree with the opinions expressed in the linked articles",
    'Updated <time datetime="2020-10-28">October 28, 2020</time>',
]


@pytest.fixture
def kazakhstan(shipped_app):
    response = shipped_app.test_client().get("/countries/kazakhstan/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("fact", SEED_FACTS)
def test_the_shipped_kazakhstan_page_carries_every_fact_of_the_seed(kazakhstan, fact):
    assert fact in kazakhstan


def test_the_title_is_derived_from_the_election_and_appears_once_as_h1(kazakhstan):
    assert kazakhstan.count("<h1") == 1
    assert "<h1>Kazakhstan Legislative Elections: January 10, 2021</h1>" in kazakhstan


def test_a_passed_election_still_marked_scheduled_is_not_shown_as_upcoming(kazakhstan):
    upcoming = kazakhstan.split('id="upcoming-elections"')[1].split('id="past-elections"')[0]
    assert "January 10, 2021" not in upcoming
    assert "This briefing predates" in kazakhstan
    assert "January 10, 2021 — date passed, awaiting update" in kazakhstan


def test_curated_links_are_newest_first_and_unlinked_without_a_known_url(kazakhstan):
    curated = kazakhstan.split('id="curated-news"')[1]
    order = [curated.index(name) for name in ("Meirkhanova", "Putz", "RFE/RL", "Kumenov", "Rittmann", "BBC")]
    assert order == sorted(order)
    assert '<a href="https://eurasianet.org/perspectives-why-kazakhstans-leaders-fear-regional-unrest"' in curated
    assert "<cite>Date Set for Kazakhstan&#39;s Parliamentary Elections</cite>" in curated


def test_no_figure_is_shown_when_the_image_file_is_missing(kazakhstan):
    assert "<figure" not in kazakhstan


def test_the_photo_shows_with_caption_credit_and_licence_when_its_file_exists(app, content, tmp_path):
    path = content / "countries" / "kenya.md"
    image = "image:\n  file: voter.jpg\n  alt: A voter\n  caption: A voter in 2022.\n  credit: Jane Roe\n  license: CC BY 4.0\n"
    path.write_text(path.read_text().replace("facts:", image + "facts:"))
    (tmp_path / "static" / "images").mkdir(parents=True)
    (tmp_path / "static" / "images" / "voter.jpg").write_bytes(b"\xff\xd8\xff")
    app.static_folder = str(tmp_path / "static")
    html = app.test_client().get("/countries/kenya/").get_data(as_text=True)
    assert re.search(r'<img src="/static/[0-9a-f]{10}/images/voter.jpg" alt="A voter">', html)
    assert 'A voter in 2022. <span class="credit">Photo credit: Jane Roe (CC BY 4.0)</span>' in html


def test_share_links_carry_the_page_url_without_javascript(kazakhstan):
    assert "mailto:?subject=" in kazakhstan
    assert "http%3A%2F%2F127.0.0.1%3A8000%2Fcountries%2Fkazakhstan%2F" in kazakhstan
    # The one script element is JSON-LD, a data block that browsers never run.
    assert kazakhstan.count("<script") == kazakhstan.count('<script type="application/ld+json">') == 1


def test_upcoming_and_past_are_computed_from_today(client):
    html = client.get("/countries/kenya/").get_data(as_text=True)
    upcoming = html.split('id="upcoming-elections"')[1].split('id="past-elections"')[0]
    past = html.split('id="past-elections"')[1]
    assert "August 10, 2027" in upcoming
    assert "August 9, 2022" in past and "August 9, 2022" not in upcoming
    assert "<h1>Kenya General Elections: August 10, 2027</h1>" in html


def test_a_freedom_house_score_is_shown_with_its_status(client):
    html = client.get("/countries/kenya/").get_data(as_text=True)
    assert re.search(r'class="fh fh-partly-free">Partly Free <span class="fh-score">49/100</span>', html)


def test_prose_from_the_front_matter_gets_the_same_typography_as_the_body(app, content):
    kenya = content / "countries" / "kenya.md"
    text = kenya.read_text().replace(
        "    status: held\n",
        '    status: held\n    note: William Ruto won -- with "50.5%" -- to Raila Odinga\'s 48.9%.\n',
    )
    kenya.write_text(text.replace("summary: Kenya holds", "summary: Kenya's voters hold"))
    html = app.test_client().get("/countries/kenya/").get_data(as_text=True)
    assert "William Ruto won \u2013 with \u201c50.5%\u201d \u2013 to Raila Odinga\u2019s 48.9%." in html
    assert '<p class="summary">Kenya\u2019s voters hold' in html
    # The meta description stays as written: link previews show it as plain text.
    assert '<meta name="description" content="Kenya&#39;s voters hold' in html


@pytest.mark.parametrize("url", ["/countries/nowhere/", "/countries/KENYA/", "/countries/..%2f..%2fetc%2fpasswd/"])
def test_unknown_slugs_get_a_helpful_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_a_cached_page_is_served_without_rendering_markdown_again(client, monkeypatch):
    first = client.get("/countries/kenya/")
    calls = []
    monkeypatch.setattr(render, "render_markdown", lambda text: calls.append(text))
    second = client.get("/countries/kenya/")
    assert second.data == first.data
    assert calls == []


def test_a_matching_etag_gets_304_and_an_edit_changes_the_etag(client, content):
    first = client.get("/countries/kenya/")
    etag = first.headers["ETag"]
    assert client.get("/countries/kenya/", headers={"If-None-Match": etag}).status_code == 304
    path = content / "countries" / "kenya.md"
    path.write_text(path.read_text().replace("Kenya's politics", "Kenyan politics"))
    import os

    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    again = client.get("/countries/kenya/", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert "Kenyan politics" in again.get_data(as_text=True)
    assert again.headers["ETag"] != etag


def test_security_headers_are_set(client):
    headers = client.get("/countries/kenya/").headers
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=60" in headers["Cache-Control"]
