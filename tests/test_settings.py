"""Settings are data, read from the environment, and every one is documented in the README."""

from pathlib import Path

from app import create_app
from votebrief.settings import SETTINGS

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_in_the_readme_table():
    text = README.read_text()
    for setting in SETTINGS:
        assert f"| `VOTEBRIEF_{setting.name}` |" in text, setting.name


def test_settings_come_from_prefixed_environment_variables(monkeypatch, content):
    monkeypatch.setenv("VOTEBRIEF_CHECK_INTERVAL", "0.25")
    monkeypatch.setenv("VOTEBRIEF_TODAY", "2030-01-02")
    monkeypatch.setenv("VOTEBRIEF_CONTENT_DIR", str(content))
    app = create_app()
    assert app.config["CHECK_INTERVAL"] == 0.25
    assert app.config["TODAY"].isoformat() == "2030-01-02"


def test_a_redis_url_selects_the_redis_cache(monkeypatch, content):
    monkeypatch.setenv("VOTEBRIEF_CACHE_REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app({"CONTENT_DIR": str(content)})
    assert app.config["CACHE_TYPE"] == "RedisCache"
