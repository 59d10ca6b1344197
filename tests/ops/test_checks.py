"""The release check (settings that cannot work stop a deploy, saying why) and the deploy files that run it."""
from __future__ import annotations

import json

import pytest

from app.ops import checks

# --- release check ---------------------------------------------------------------------------------------------

def levels(findings) -> dict[str, str]:
    return {f.name: f.level for f in findings}


def test_release_check_passes_good_settings(env):
    found = checks.check({**env, "VONAGE_SIGNATURE_SECRET": "s"}, production=True)
    assert not [f for f in found if f.level == "fail"], found


@pytest.mark.slow
def test_release_check_fails_fast_with_a_clear_message(env):
    assert levels(checks.check({**env, "SMS_RATE_LIMIT": "fast"}, production=True)) == {"settings": "fail"}
    assert "SMS_RATE_LIMIT" in checks.check({**env, "SMS_RATE_LIMIT": "fast"}, production=True)[0].message
    assert levels(checks.check({**env, "REDIS_URL": ""}, production=True))["REDIS_URL"] == "fail"
    assert levels(checks.check({**env, "REDIS_URL": "redis://127.0.0.1:1/0"}, production=False))["REDIS_URL"] == "fail"
    assert levels(checks.check({**env, "VONAGE_NUMBER": ""}, production=True))["VONAGE_NUMBER"] == "fail"
    assert levels(checks.check(env, production=True))["ALLOW_UNSIGNED_WEBHOOKS"] == "warn"


def test_release_check_command_exit_code(env, monkeypatch, capsys):
    for name, value in {**env, "DYNO": "release.1"}.items():
        monkeypatch.setenv(name, value)
    assert checks.main([]) == 0
    monkeypatch.setenv("REDIS_URL", "")
    assert checks.main([]) == 1
    assert "REDIS_URL: not set: add a Redis add-on" in capsys.readouterr().err


# --- deploy files ----------------------------------------------------------------------------------------------

def test_app_json_describes_every_config_var_and_the_settings_accept_its_defaults():
    from pathlib import Path

    manifest = json.loads((Path(__file__).resolve().parents[2] / "app.json").read_text())
    assert any(addon["plan"].startswith("heroku-redis") for addon in manifest["addons"])
    assert all(var.get("description") for var in manifest["env"].values())
    defaults = {name: var.get("value", "") for name, var in manifest["env"].items()}
    from app.settings import load_settings

    settings = load_settings({**defaults, "API_TOKEN": "x" * 32, "REDIS_URL": "redis://example:6379"})
    assert settings.simulator_enabled and not settings.vonage.enabled


def test_procfile_runs_the_release_check():
    from pathlib import Path

    procfile = (Path(__file__).resolve().parents[2] / "Procfile").read_text()
    assert "release: python -m app.ops.checks" in procfile
