"""Gunicorn settings for a PaaS: bind to $PORT, workers from $WEB_CONCURRENCY."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Sync workers: every request is short and CPU-bound once pages are cached.
worker_class = "sync"
# Import the app once in the master so workers fork with the code already loaded.
preload_app = True
accesslog = "-"
errorlog = "-"
timeout = 30
