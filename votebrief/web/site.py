"""HTML pages for readers: home, briefings, countries, regions and the Markdown pages."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, abort, current_app, render_template, request, url_for
from markupsafe import Markup

from votebrief import views
from votebrief.dates import format_day
from votebrief.model import Briefing
from votebrief.render import render_markdown
from votebrief.web.pagecache import cached_fragment, cached_response
from votebrief.web.state import current_now, current_today, snapshot

bp = Blueprint("site", __name__)


@bp.app_context_processor
def _site_context() -> dict:
    try:
        snap = snapshot()
    except Exception:  # an error page must render even when content cannot load
        return {"site": None, "nav_pages": [], "format_day": format_day}
    pages = sorted((p for p in snap.pages.values() if p.meta.nav), key=lambda p: p.meta.nav)
    return {"site": snap.site, "nav_pages": pages, "format_day": format_day, "site_url": current_app.config["SITE_URL"]}


def body_html(briefing_or_page) -> Markup:
    """A body's HTML, rendered once per version of the file (shared by all pages that show it)."""
    return Markup(
        cached_fragment(f"body:{briefing_or_page.digest}", lambda: str(render_markdown(briefing_or_page.body)))
    )


def visible(slug: str) -> Briefing:
    # Slugs are looked up in the loaded index, never joined into a file path.
    briefing = snapshot().briefings.get(slug)
    if briefing is None or not briefing.is_public(current_now()):
        abort(404)
    return briefing


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
        briefings = views.public_briefings(snap, current_now())
        upcoming = views.upcoming_elections(briefings, today)
        return render_template(
            "home.html",
            upcoming=upcoming[:12],
            upcoming_count=len(upcoming),
            recent=views.recently_updated(briefings),
            regions=_regions_with_counts(snap, briefings),
            today=today,
        )

    return cached_response(render)


@bp.get("/countries/<slug>/")
def briefing(slug: str):
    found = visible(slug)

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
        )

    return cached_response(render)


@bp.get("/countries/")
def countries():
    def render() -> str:
        snap, today = snapshot(), current_today()
        briefings = views.public_briefings(snap, current_now())
        groups = []
        for region in snap.site.regions:
            members = [(b, views.briefing_view(b, today).next) for b in briefings if b.meta.region == region.name]
            if members:
                groups.append((region, members))
        return render_template("countries.html", groups=groups, total=len(briefings))

    return cached_response(render)


@bp.get("/regions/<slug>/")
def region(slug: str):
    snap = snapshot()
    found = next((r for r in snap.site.regions if r.slug == slug), None)
    if found is None:
        abort(404)

    def render() -> str:
        today = current_today()
        briefings = [b for b in views.public_briefings(snap, current_now()) if b.meta.region == found.name]
        return render_template(
            "region.html",
            region=found,
            briefings=[(b, views.briefing_view(b, today).next) for b in briefings],
            upcoming=views.upcoming_elections(briefings, today),
        )

    return cached_response(render)


@bp.get("/<slug>/")
def page(slug: str):
    found = snapshot().pages.get(slug)
    if found is None:
        abort(404)
    return cached_response(lambda: render_template("page.html", page=found.meta, body=body_html(found)))


def _regions_with_counts(snap, briefings: list[Briefing]) -> list[tuple]:
    counts = {r.name: 0 for r in snap.site.regions}
    for b in briefings:
        counts[b.meta.region] = counts.get(b.meta.region, 0) + 1
    return [(r, counts[r.name]) for r in snap.site.regions if counts[r.name]]


@bp.before_app_request
def _refuse_odd_requests():
    if len(request.full_path) > 2048:
        abort(414)
