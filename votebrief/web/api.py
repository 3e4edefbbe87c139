"""The JSON API under /api/v1/, and the OpenAPI 3.1 document that describes it.

Every resource ends in ``.json`` so the static export writes files a plain host serves as
JSON. The elections endpoint takes the calendar's filters with the calendar's parser; the
schemas in the document are generated from the same pydantic models that serialise the
responses (``votebrief.apidata``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, request, url_for

from votebrief import apidata, views
from votebrief.calendar import FILTER_NAMES, MAX_YEAR, MIN_YEAR, FilterError, Filters, calendar_entries, parse_filters
from votebrief.dates import Status
from votebrief.loader import Snapshot
from votebrief.model import Briefing, ElectionKind, FreedomStatus, SiteConfig
from votebrief.web import rendercache
from votebrief.web.pagecache import cached_response
from votebrief.web.site import body_html, image_exists, in_full
from votebrief.web.state import current_now, current_today, snapshot

bp = Blueprint("api", __name__, url_prefix="/api/v1")

JSON = "application/json"
VERSION = "1.0.0"


def links() -> apidata.Links:
    site_url = current_app.config["SITE_URL"]

    def image_url(file: str) -> str | None:
        return site_url + url_for("static", filename=f"images/{file}") if image_exists(file) else None

    return apidata.Links(site_url, image_url)


def public_briefing(slug: str):
    # Slugs are looked up in the loaded index; a draft is as absent as a missing file.
    briefing = snapshot().briefings.get(slug)
    if briefing is None or not briefing.is_public(current_now()):
        abort(404, description=f'There is no briefing "{slug}".')
    return in_full(briefing)


def api_filters(snap: Snapshot) -> Filters:
    """The calendar's filters, with one difference: an empty value is an error, not "any".

    The calendar's form sends empty selects; an API client that sends ``region=`` has a bug.
    """
    args = request.args.to_dict(flat=False)
    for name in FILTER_NAMES:
        if "" in args.get(name, []):
            abort(400, description=f'"{name}" is empty; give a value or leave the parameter out')
    try:
        return parse_filters(args, snap.site)
    except FilterError as error:
        abort(400, description=str(error))


@bp.get("/openapi.json")
def openapi():
    snap = snapshot()

    def render() -> str:
        public = views.public_briefings(snap, current_now())
        example = public[0].slug if public else None
        # Made of site.yaml and one example slug (and the code): the export keeps it across edits.
        made_of = (snap.site.model_dump_json(), example)
        return rendercache.whole("openapi", made_of, lambda: json.dumps(openapi_document(snap.site, example), indent=2))

    return cached_response(render, JSON, vary_args=())


@bp.get("/briefings.json")
def briefings():
    def render() -> str:
        snap = snapshot()
        found = views.public_briefings(snap, current_now())
        today = current_today()

        def item(briefing: Briefing, serialise: Callable[[], str]) -> str:
            # Its title and next election follow the day; its region's slug, site.yaml.
            region = views.region_of(snap, briefing)
            slug = region.slug if region else ""
            key = f"api-briefing|{briefing.slug}|{briefing.front_digest}|{briefing.updated_on}|{today}|{slug}"
            return rendercache.fragment(key, serialise)

        return apidata.briefing_list_json(snap, found, today, links(), item)

    return cached_response(render, JSON, vary_args=())


@bp.get("/briefings/<slug>.json")
def briefing(slug: str):
    found = public_briefing(slug)

    def render() -> str:
        html = str(body_html(found))
        return apidata.briefing_detail(snapshot(), found, current_today(), links(), html).model_dump_json()

    return cached_response(render, JSON, vary_args=())


@bp.get("/elections.json")
def elections():
    snap = snapshot()
    filters = api_filters(snap)

    def render() -> str:
        today = current_today()
        found = calendar_entries(views.site_entries(snap, current_now(), today), filters, snap.site)

        def item(entry: views.ElectionEntry, serialise: Callable[[], str]) -> str:
            region = views.region_of(snap, entry.briefing)  # its slug comes from site.yaml
            return rendercache.fragment(f"api-election|{entry.cache_key}|{region.slug if region else ''}", serialise)

        return apidata.election_list_json(snap, found, filters, today, links(), item)

    return cached_response(render, JSON, vary_args=FILTER_NAMES)


@bp.get("/regions.json")
def regions():
    def render() -> str:
        snap = snapshot()
        public = views.public_briefings(snap, current_now())
        return apidata.region_list(snap.site.regions, public, links()).model_dump_json()

    return cached_response(render, JSON, vary_args=())


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: str, *, cached: bool = True) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {JSON: {"schema": _ref(schema)}}}
    if cached:
        string = {"schema": {"type": "string"}, "required": True}
        response["headers"] = {
            "Cache-Control": {**string, "description": "public, max-age and stale-while-revalidate"},
            "ETag": {**string, "description": "Send it back in If-None-Match to get a 304."},
            "Last-Modified": string,
        }
    return response


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def openapi_document(site: SiteConfig, example_slug: str | None) -> dict[str, Any]:
    """The OpenAPI 3.1 document; filter enums and examples come from the content it describes."""
    bad_request = _json("A filter value the calendar does not know.", "ApiError", cached=False)
    not_found = _json("No public briefing has this slug.", "ApiError", cached=False)
    # The whole site refuses addresses over 2,048 characters.
    too_long = {"414": _json("The address is too long.", "ApiError", cached=False)}
    slug_schema: dict[str, Any] = {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"}
    if example_slug:
        slug_schema["examples"] = [example_slug]
    filters = [
        _query("region", "A region slug (see /api/v1/regions.json).", {"enum": [r.slug for r in site.regions]}),
        _query("kind", "The kind of election.", {"enum": [k.value for k in ElectionKind]}),
        _query("freedom", "Freedom House status.", {"enum": [f.slug for f in FreedomStatus]}),
        _query("year", "The year of the (first) date.", {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR}),
    ]
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": f"{site.name} API",
            "version": VERSION,
            "summary": site.tagline,
            "description": (
                "Election briefings as JSON, from the same front-matter as the pages. Dates carry their "
                f"precision and status ({', '.join(s.value for s in Status)}) as data. " + site.disclaimer
            ),
        },
        "servers": [{"url": current_app.config["SITE_URL"]}],
        "paths": {
            "/api/v1/briefings.json": {
                "get": {
                    "operationId": "listBriefings",
                    "summary": "Every public briefing, A–Z, with its next election.",
                    "responses": {"200": _json("The briefings.", "BriefingList"), **too_long},
                }
            },
            "/api/v1/briefings/{slug}.json": {
                "get": {
                    "operationId": "getBriefing",
                    "summary": "One briefing: facts, every election, curated links and the rendered body.",
                    "parameters": [{"name": "slug", "in": "path", "required": True, "schema": slug_schema}],
                    "responses": {"200": _json("The briefing.", "BriefingDetail"), "404": not_found, **too_long},
                }
            },
            "/api/v1/elections.json": {
                "get": {
                    "operationId": "listElections",
                    "summary": "Upcoming elections, filtered exactly like the calendar at /elections/.",
                    "parameters": filters,
                    "responses": {"200": _json("The elections.", "ElectionList"), "400": bad_request, **too_long},
                }
            },
            "/api/v1/regions.json": {
                "get": {
                    "operationId": "listRegions",
                    "summary": "The regions, with how many briefings each has.",
                    "responses": {"200": _json("The regions.", "RegionList"), **too_long},
                }
            },
        },
        "components": {"schemas": apidata.component_schemas()},
    }
