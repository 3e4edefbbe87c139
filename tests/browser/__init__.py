"""Real-browser tests: Chromium driven by Playwright against the real gunicorn."""
