"""Gunicorn settings for a PaaS: bind to $PORT, workers from $WEB_CONCURRENCY."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Sync workers, by measurement (README, Speed): gthread raised cached throughput but tripled
# p99 latency and slowed cache misses on two cores.
worker_class = "sync"
# Import the app once in the master so workers fork with the code already loaded.
preload_app = True
accesslog = "-"
errorlog = "-"
timeout = 30


def post_worker_init(worker):
    """Parse all content soon after a worker starts, without delaying its first request."""
    app = worker.wsgi
    while hasattr(app, "app") and not hasattr(app, "extensions"):
        app = app.app
    store = getattr(app, "extensions", {}).get("votebrief.store")
    if store is not None:
        store.warm_soon()
