"""HTML pages for readers: home, briefings, countries, regions and the Markdown pages."""

from __future__ import annotations

import functools
import hmac
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, abort, current_app, g, make_response, render_template, request, url_for
from markupsafe import Markup

from votebrief import views
from votebrief.calendar import (
    FILTER_NAMES,
    MAX_YEAR,
    MIN_YEAR,
    FilterError,
    Filters,
    calendar_entries,
    group_by_month,
    parse_filters,
)
from votebrief.dates import format_day
from votebrief.model import Briefing, ElectionKind, FreedomStatus, Page
from votebrief.search import QueryError, SearchIndex, to_match_expression
from votebrief.typography import smarten
from votebrief.web import rendercache
from votebrief.web.pagecache import cached_fragment, cached_response
from votebrief.web.state import current_now, current_today, snapshot
from votebrief.worldmap import MapCountry, render_world_map

bp = Blueprint("site", __name__)


# An author's prose from the front-matter (notes, summaries, captions) gets the body's curly quotes and dashes.
bp.add_app_template_filter(smarten, "smart")


@bp.app_context_processor
def _site_context() -> dict:
    try:
        snap = snapshot()
    except Exception:  # an error page must render even when content cannot load
        return {"site": None, "nav_pages": [], "format_day": format_day}
    pages = sorted((p for p in snap.pages.values() if p.meta.nav), key=lambda p: p.meta.nav)
    return {"site": snap.site, "nav_pages": pages, "format_day": format_day, "site_url": current_app.config["SITE_URL"]}


def body_html(item: Briefing | Page) -> Markup:
    """A body's HTML, rendered once per version of the file (shared by all pages that show it)."""
    reads = g.get("votebrief_body_reads")
    if reads is not None and isinstance(item, Briefing):
        reads.add(item.slug)  # the export keys this output by the bodies it shows (votebrief.export)
    rendered = current_app.extensions.get(rendercache.EXTENSION)
    render = functools.partial(rendered_body, item.body)
    if rendered is not None:
        return Markup(rendered.html(item.body, render))
    return Markup(cached_fragment(f"body:{item.digest}", render))


def rendered_body(markdown: str) -> str:
    """A Markdown body's HTML as every page shows it: what the caches keep under the text."""
    # Imported on first use: Python-Markdown takes 10 ms to import, and an export after an
    # edit finds every body it shows already rendered.
    from votebrief.render import render_markdown

    return str(render_markdown(markdown))


def visible(slug: str, *, preview: bool = False) -> Briefing:
    """The briefing a reader may see at this slug (with ``preview``, drafts too), else 404."""
    # Slugs are looked up in the loaded index, never joined into a file path.
    briefing = snapshot().briefings.get(slug)
    if briefing is None or not (preview or briefing.is_public(current_now())):
        abort(404)
    return in_full(briefing)


def in_full(briefing: Briefing) -> Briefing:
    """``briefing``, refused if an export validated it for its lists alone (Briefing.for_lists).

    The export never renders such a briefing as itself; this makes sure a mistake shows.
    """
    if briefing.for_lists:
        raise RuntimeError(f"{briefing.path} was read for the lists alone and cannot be shown as itself")
    return briefing


def preview_allowed() -> bool:
    """Drafts show in debug, or with ?preview=<PREVIEW_TOKEN>; with no token set, never outside debug."""
    if current_app.debug:
        return True
    token, given = current_app.config.get("PREVIEW_TOKEN"), request.args.get("preview")
    # compare_digest: how long the comparison takes must not reveal how much of a guess was right.
    return bool(token) and given is not None and hmac.compare_digest(given.encode(), str(token).encode())


def image_exists(file: str) -> bool:
    return (Path(current_app.static_folder or "static") / "images" / file).is_file()


def share_links(url: str, title: str) -> list[tuple[str, str]]:
    u, t = quote(url, safe=""), quote(title, safe="")
    return [
        ("Email", f"mailto:?subject={t}&body={u}"),
        ("Bluesky", f"https://bsky.app/intent/compose?text={t}%20{u}"),
        ("X", f"https://twitter.com/intent/tweet?url={u}&text={t}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ("LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?url={u}"),
    ]


def absolute(endpoint: str, **values) -> str:
    return current_app.config["SITE_URL"] + url_for(endpoint, **values)


@bp.get("/")
def home():
    def render() -> str:
        snap, today = snapshot(), current_today()
        now = current_now()
        briefings = views.public_briefings(snap, now)
        upcoming = views.site_upcoming(snap, now, today)
        return render_template(
            "home.html",
            upcoming=upcoming[:12],
            upcoming_count=len(upcoming),
            recent=views.recently_updated(briefings),
            regions=_regions_with_counts(snap, briefings),
            today=today,
            world_map=_map(upcoming),
        )

    return cached_response(render, vary_args=())


@bp.get("/countries/<slug>/")
def briefing(slug: str):
    found = visible(slug, preview=preview_allowed())
    draft = not found.is_public(current_now())
    # In debug, an author previewing their edit sees what is wrong with the file, while the
    # page keeps showing its last good version.
    problems = [p for p in snapshot().problems if p.path == found.path] if current_app.debug else []

    def render() -> str:
        view = views.briefing_view(found, current_today())
        url = absolute("site.briefing", slug=slug)
        news = sorted(found.meta.news, key=lambda n: n.sort_key(), reverse=True)
        return render_template(
            "briefing.html",
            view=view,
            b=found.meta,
            body=body_html(found),
            news=news,
            region=views.region_of(snapshot(), found),
            show_image=bool(found.meta.image and image_exists(found.meta.image.file)),
            share=share_links(url, view.title),
            canonical=url,
            problems=problems,
            preview=draft,
        )

    if draft:
        # A preview bypasses the page cache, the hot cache and ETags: a draft is never stored
        # where a request without the token (or a CDN) could be served it.
        response = make_response(render())
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        return response
    if problems:
        # The page cache and its ETag know only good content: a page showing problems bypasses both (no 304).
        return render()
    return cached_response(render, vary_args=())


@bp.get("/countries/")
def countries():
    def render() -> str:
        snap, today = snapshot(), current_today()
        briefings = views.public_briefings(snap, current_now())
        groups = []
        for region in snap.site.regions:
            members = [views.card(b, today) for b in briefings if b.meta.region == region.name]
            if members:
                groups.append((region, members))
        return render_template("countries.html", groups=groups, total=len(briefings))

    return cached_response(render, vary_args=())


@bp.get("/regions/<slug>/")
def region(slug: str):
    snap = snapshot()
    found = next((r for r in snap.site.regions if r.slug == slug), None)
    if found is None:
        abort(404)

    def render() -> str:
        today, now = current_today(), current_now()
        briefings = [b for b in views.public_briefings(snap, now) if b.meta.region == found.name]
        return render_template(
            "region.html",
            region=found,
            cards=[views.card(b, today) for b in briefings],
            upcoming=[e for e in views.site_upcoming(snap, now, today) if e.briefing.meta.region == found.name],
        )

    return cached_response(render, vary_args=())


@bp.get("/<slug>/")
def page(slug: str):
    found = snapshot().pages.get(slug)
    if found is None:
        abort(404)
    return cached_response(lambda: render_template("page.html", page=found.meta, body=body_html(found)), vary_args=())


def _regions_with_counts(snap, briefings: list[Briefing]) -> list[tuple]:
    counts = {r.name: 0 for r in snap.site.regions}
    for b in briefings:
        counts[b.meta.region] = counts.get(b.meta.region, 0) + 1
    return [(r, counts[r.name]) for r in snap.site.regions if counts[r.name]]


@bp.before_app_request
def _refuse_odd_requests():
    if len(request.full_path) > 2048:
        abort(414)


def _map(entries: list[views.ElectionEntry]) -> Markup:
    """The world map of upcoming elections, coloured by Freedom House status."""
    # What the map shows of each election, which is all it is made from: an edit the map
    # does not show (a summary, the facts) leaves the export's kept copy in use, and
    # drawing it for 2,000 briefings takes a tenth of a second.
    shown = [
        (entry.slug, entry.briefing.meta.iso[:2], entry.country, fh.status.value, entry.label, entry.date_text)
        for entry in entries
        if (fh := entry.briefing.meta.facts.freedom_house) is not None
    ]

    def draw() -> str:
        hrefs: dict[str, str] = {}  # a country with several elections is linked once
        countries = []
        for slug, iso, country, status, label, date_text in shown:
            href = hrefs.get(slug)
            if href is None:
                href = hrefs[slug] = url_for("site.briefing", slug=slug)
            countries.append(
                MapCountry(iso=iso, name=country, href=href, status=status, label=f"{country}: {label}, {date_text}")
            )
        return render_world_map(countries)

    return Markup(rendercache.whole("map", shown, draw))


def _filters_or_400(snap) -> Filters:
    try:
        return parse_filters(request.args.to_dict(flat=False), snap.site)
    except FilterError as error:
        abort(400, description=str(error))


@bp.get("/elections/")
def calendar():
    return _calendar_page(None)


@bp.get("/elections/<int:year>/")
def calendar_year(year: int):
    if not MIN_YEAR <= year <= MAX_YEAR:
        abort(404)
    return _calendar_page(year)


def _calendar_page(year: int | None):
    """The calendar (upcoming elections) or one year's page (all its elections), with filters."""
    snap = snapshot()
    filters = _filters_or_400(snap)
    endpoint, args = ("site.calendar", {}) if year is None else ("site.calendar_year", {"year": year})

    def render() -> str:
        today, now = current_today(), current_now()
        briefings = views.public_briefings(snap, now)
        found = calendar_entries(views.site_entries(snap, now, today), filters, snap.site, year=year)
        if year is None:
            heading, intro = "Election calendar", "Every upcoming election in our briefings, month by month."
        elif year < today.year:
            heading = f"Elections in {year}"
            intro = f"An archive of the elections of {year} in our briefings: held, cancelled and annulled votes."
        else:
            heading = f"Elections in {year}"
            intro = f"Every election of {year} in our briefings, past and upcoming, month by month."
        return render_template(
            "calendar.html",
            heading=heading,
            intro=intro,
            groups=group_by_month(found),
            count=len(found),
            chips=[
                (label, value, url_for(endpoint, **args, **filters.without(name)))
                for name, label, value in filters.active(snap.site)
            ],
            action=url_for(endpoint, **args),
            form=_filter_form(snap, filters, briefings, with_year=year is None),
            world_map=_map(found) if year is None else None,
            years=views.years_with_elections(snap, now),
            year=year,
        )

    return cached_response(render, vary_args=FILTER_NAMES)


def _filter_form(snap, filters: Filters, briefings: list[Briefing], *, with_year: bool = True) -> list[dict]:
    """The calendar's filter controls: each a select with the values that exist in the content."""
    used_regions = {b.meta.region for b in briefings}
    fields = [
        {
            "name": "region",
            "label": "Region",
            "options": [(r.slug, r.name) for r in snap.site.regions if r.name in used_regions],
            "value": filters.region,
        },
        {
            "name": "kind",
            "label": "Kind",
            "options": [(k.value, k.value.capitalize()) for k in ElectionKind],
            "value": filters.kind.value if filters.kind else None,
        },
        {
            "name": "freedom",
            "label": "Freedom House",
            "options": [(f.slug, f.value) for f in FreedomStatus],
            "value": filters.freedom.slug if filters.freedom else None,
        },
    ]
    if with_year:
        years = sorted({e.election.when.first.year for b in briefings for e in views.entries(b, current_today())})
        fields.append(
            {
                "name": "year",
                "label": "Year",
                "options": [(str(y), str(y)) for y in years],
                "value": str(filters.year or ""),
            }
        )
    return fields


_search_indexes: dict[str, SearchIndex] = {}


def search_index() -> SearchIndex:
    """One index per content version, built on first use in each process."""
    snap, now = snapshot(), current_now()
    briefings = views.public_briefings(snap, now)
    key = f"{snap.fingerprint}:{','.join(b.slug for b in briefings)}"
    index = _search_indexes.get(key)
    if index is None:
        today = current_today()
        titles = {b.slug: views.briefing_view(b, today).title for b in briefings}
        index = SearchIndex(briefings, titles)
        _search_indexes.clear()
        _search_indexes[key] = index
    return index


@bp.get("/search")
def search():
    values = request.args.getlist("q")
    if len(values) > 1:
        abort(400, description='"q" was given more than once')
    query = (values[0] if values else "").strip()
    try:
        to_match_expression(query)
    except QueryError as error:
        abort(400, description=str(error))

    def render() -> str:
        hits = search_index().search(query) if query else []
        return render_template("search.html", query=query, hits=hits)

    return cached_response(render, vary_args=("q",))
