"""The release check (settings that cannot work stop a deploy, saying why) and the deploy files that run it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app.ops import checks

PUBLIC = "https://reminders.example.org"

# --- release check ---------------------------------------------------------------------------------------------

def levels(findings) -> dict[str, str]:
    return {f.name: f.level for f in findings}


def test_release_check_passes_good_settings(env):
    found = checks.check({**env, "VONAGE_SIGNATURE_SECRET": "s", "PUBLIC_URL": PUBLIC}, production=True)
    assert not [f for f in found if f.level == "fail"], found


def test_production_needs_the_public_url_that_links_are_texted_under(env):
    assert levels(checks.check(env, production=True))["PUBLIC_URL"] == "fail"
    assert levels(checks.check(env, production=False))["PUBLIC_URL"] == "ok"
    assert levels(checks.check({**env, "PUBLIC_URL": "http://example.org"}, production=True))["PUBLIC_URL"] == "warn"
    assert levels(checks.check({**env, "PUBLIC_URL": "ftp://example.org"}, production=False)) == {"settings": "fail"}


@pytest.mark.slow
def test_release_check_fails_fast_with_a_clear_message(env):
    assert levels(checks.check({**env, "SMS_RATE_LIMIT": "fast"}, production=True)) == {"settings": "fail"}
    assert "SMS_RATE_LIMIT" in checks.check({**env, "SMS_RATE_LIMIT": "fast"}, production=True)[0].message
    assert levels(checks.check({**env, "REDIS_URL": ""}, production=True))["REDIS_URL"] == "fail"
    assert levels(checks.check({**env, "REDIS_URL": "redis://127.0.0.1:1/0"}, production=False))["REDIS_URL"] == "fail"
    assert levels(checks.check({**env, "VONAGE_NUMBER": ""}, production=True))["VONAGE_NUMBER"] == "fail"
    assert levels(checks.check(env, production=True))["ALLOW_UNSIGNED_WEBHOOKS"] == "warn"


def test_release_check_command_exit_code(env, monkeypatch, capsys):
    for name, value in {**env, "DYNO": "release.1", "PUBLIC_URL": PUBLIC}.items():
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


# --- Redis that can lose data: eviction and persistence ---------------------------------------------------------

@pytest.fixture(scope="module")
def evicting_redis():
    from tests.support.redis_server import RedisServer

    with RedisServer(extra_args=("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru")) as server:
        yield server


@pytest.mark.slow
def test_release_check_fails_on_a_redis_that_evicts_keys(env, evicting_redis):
    """Managed Redis often defaults to an evicting policy: at its memory limit it deleted reminders' records in
    silence. The check failed nothing."""
    found = {f.name: f for f in checks.check({**env, "REDIS_URL": evicting_redis.url}, production=True)}
    assert found["maxmemory-policy"].level == "fail"
    assert "allkeys-lru" in found["maxmemory-policy"].message and "noeviction" in found["maxmemory-policy"].message
    assert levels(checks.check(env, production=True))["maxmemory-policy"] == "ok"  # Redis's default


@pytest.mark.slow
def test_release_check_reads_the_policy_where_config_is_refused_and_says_what_to_check_by_hand(env):
    from tests.support.redis_server import RedisServer

    with RedisServer(extra_args=("--maxmemory-policy", "volatile-lru", "--rename-command", "CONFIG", "")) as server:
        found = {f.name: f for f in checks.check({**env, "REDIS_URL": server.url}, production=True)}
    assert found["maxmemory-policy"].level == "fail"  # from INFO memory
    assert found["persistence"].level == "warn" and "check that the plan persists" in found["persistence"].message


@pytest.mark.slow
def test_release_check_warns_when_redis_keeps_nothing_on_disk(env):
    from tests.support.redis_server import RedisServer

    found = {f.name: f for f in checks.check(env, production=True)}  # the test Redis: appendonly no, save ""
    assert found["persistence"].level == "warn" and "loses every reminder" in found["persistence"].message
    with RedisServer(appendonly=True) as server:
        assert levels(checks.check({**env, "REDIS_URL": server.url}, production=True))["persistence"] == "ok"


# --- start-up: one line naming the setting, never a traceback ----------------------------------------------------

BAD_SETTINGS = [({"REDIS_URL": "redis//host"}, "REDIS_URL"), ({"REDIS_URL": "http://x"}, "REDIS_URL"),
                ({"REDIS_URL": "redis://:badport"}, "REDIS_URL"),
                ({"VONAGE_NUMBER": "+1-800-FLOWERS"}, "VONAGE_NUMBER"),
                ({"REDIS_URL": "redis://127.0.0.1:1/0"}, "REDIS_URL")]


def _run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    from tests.conftest import ROOT

    return subprocess.run(args, cwd=ROOT, env={**os.environ, **env, "DYNO": ""}, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.slow
@pytest.mark.parametrize(("bad", "name"), BAD_SETTINGS)
def test_the_worker_and_the_release_check_refuse_a_bad_setting_in_one_line(env, bad, name):
    """A malformed REDIS_URL, a VONAGE_NUMBER with letters, a Redis that is down: each was a traceback (or, for the
    number, a worker that started and a release that passed)."""
    worker = _run([sys.executable, "worker.py"], {**env, **bad})
    assert worker.returncode == 1, worker.stdout + worker.stderr
    assert "Traceback" not in worker.stderr and len(worker.stderr.strip().splitlines()) == 1, worker.stderr
    assert worker.stderr.startswith("worker not started: ") and name in worker.stderr
    release = _run([sys.executable, "-m", "app.ops.checks", "--production"], {**env, "PUBLIC_URL": PUBLIC, **bad})
    assert release.returncode == 1 and "Traceback" not in release.stderr and name in release.stderr
    assert len(release.stderr.strip().splitlines()) == 1, release.stderr


@pytest.mark.slow
def test_the_worker_refuses_a_redis_that_evicts_keys(env, evicting_redis):
    worker = _run([sys.executable, "worker.py"], {**env, "REDIS_URL": evicting_redis.url})
    assert worker.returncode == 1 and "maxmemory-policy: allkeys-lru" in worker.stderr, worker.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("bad", "name"), BAD_SETTINGS[:4])
def test_the_web_refuses_a_bad_setting_in_one_line(env, bad, name):
    from tests.support.redis_server import free_port

    web = _run([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
               {**env, **bad, "PORT": str(free_port()), "WEB_CONCURRENCY": "1"})
    assert web.returncode == 1 and "Traceback" not in web.stderr, web.stderr[-2000:]
    assert web.stderr.strip().splitlines() == [web.stderr.strip()] and web.stderr.startswith("web not started: ")
    assert name in web.stderr


@pytest.mark.slow
def test_the_web_says_in_one_line_that_redis_is_down_and_starts_anyway(env):
    """A web that would not start while Redis is away would leave the platform restarting it; it answers 503 (and
    Vonage retries) until Redis is back, and says why once."""
    import time
    import urllib.error
    import urllib.request

    from tests.conftest import ROOT
    from tests.support.redis_server import free_port

    port = free_port()
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"],
                           cwd=ROOT, env={**os.environ, **env, "REDIS_URL": "redis://127.0.0.1:1/0", "DYNO": "",
                                          "PORT": str(port), "WEB_CONCURRENCY": "1", "LOG_LEVEL": "WARNING"},
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        status = None
        deadline = time.time() + 60
        while status is None and time.time() < deadline and web.poll() is None:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10)
            except urllib.error.HTTPError as err:
                status = err.code
            except OSError:
                time.sleep(0.2)
        assert status == 503
    finally:
        web.terminate()
        _, err = web.communicate(timeout=30)
    said = [line for line in err.splitlines() if "REDIS_URL" in line]
    assert len(said) == 1 and said[0].startswith("web: REDIS_URL: cannot reach Redis") and "Traceback" not in err


def test_the_release_check_says_whatsapp_needs_an_application(env):
    from app.ops.checks import check

    def whatsapp(extra: dict, production: bool) -> list:
        return [f for f in check({**env, "WHATSAPP_NUMBER": "447700900111", **extra}, production)
                if f.name == "WHATSAPP_NUMBER"]

    (refused,) = whatsapp({}, production=True)
    assert refused.level == "fail" and "VONAGE_APPLICATION_ID" in refused.message
    assert whatsapp({}, production=False)[0].level == "warn"
    (fine,) = whatsapp({"VONAGE_APPLICATION_ID": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
                        "VONAGE_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----"},
                       production=True)
    assert fine.level == "ok"
