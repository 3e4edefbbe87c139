"""The benchmark's baseline: the smallest Flask app returning a fixed page from memory.

Served by the same gunicorn settings as the site, it measures the framework's own limit
on this machine, so the site's figures can be given as ratios that survive noise.
"""

import os
from pathlib import Path

from flask import Flask, Response

PAGE = Path(os.environ["BASELINE_PAGE"]).read_bytes()
app = Flask(__name__)


@app.get("/")
@app.get("/<path:anything>")
def page(anything: str = "") -> Response:
    return Response(PAGE, mimetype="text/html")
