"""The parse command, settings validation, and how Redis is opened (configured, TLS, or embedded)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime

import pytest

from app import create_app
from app.settings import Settings, SettingsError, declared, load_settings
from app.storage.connection import _url_options, connect
from tests.conftest import ROOT


@pytest.fixture()
def runner(env):
    return create_app(env).test_cli_runner()


def test_parse_prints_one_json_object(runner):
    result = runner.invoke(args=["parse", "gym tomorrow 7am", "--tz", "Europe/London", "--now", "2026-11-25T10:00:00"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {"message": "gym", "due": "2026-11-26T07:00:00+00:00", "every": None}


def test_parse_error_exits_1(runner):
    result = runner.invoke(args=["parse", "buy milk", "--tz", "UTC"])
    assert result.exit_code == 1 and "error" in json.loads(result.output)


def test_parse_unknown_zone_is_a_clear_error(runner):
    result = runner.invoke(args=["parse", "gym at 5pm", "--tz", "Mars/Olympus"])
    assert result.exit_code == 1 and "time zone" in json.loads(result.output)["error"]


def test_parse_jsonl_answers_each_line_in_order(runner):
    lines = [{"text": "call mom in 2 hours", "tz": "America/New_York", "now": "2026-11-25T10:00:00-05:00"},
             {"text": "nothing here", "tz": "UTC", "now": "2026-11-25T10:00:00+00:00"},
             "not json at all",
             {"text": "friday at 3pm", "tz": "UTC", "now": "2026-11-25T10:00:00+00:00"}]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    result = runner.invoke(args=["parse", "--jsonl"], input=stdin)
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert len(answers) == 4
    assert answers[0]["message"] == "call mom" and answers[0]["due"] == "2026-11-25T12:00:00-05:00"
    assert "error" in answers[1] and "error" in answers[2]
    assert answers[3]["due"] == "2026-11-27T15:00:00+00:00"


def test_parse_command_through_flask_cli():
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "parse", "in 30 mins stretch", "--tz",
                          "Asia/Kolkata", "--now", "2026-11-25T10:00:00+05:30"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "REDIS_URL": "redis://127.0.0.1:1"})
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["message"] == "stretch"
    assert datetime.fromisoformat(answer["due"]) == datetime.fromisoformat("2026-11-25T10:30:00+05:30")


@pytest.mark.parametrize("env, message", [
    ({"VONAGE_SIGNATURE_METHOD": "md5hash"}, "VONAGE_SIGNATURE_METHOD"),
    ({"VONAGE_API_KEY": "k"}, "VONAGE_API_SECRET"),
    ({"SMS_RATE_LIMIT": "fast"}, "SMS_RATE_LIMIT"),
    ({"SMS_RATE_LIMIT": "-1"}, "SMS_RATE_LIMIT"),
    ({"DEFAULT_TIMEZONE": "Mars/Olympus"}, "DEFAULT_TIMEZONE"),
])
def test_bad_settings_fail_fast_naming_the_setting(env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(env)


def test_settings_defaults():
    settings = load_settings({})
    assert settings.redis.url is None and not settings.vonage.enabled and settings.delivery.sms_rate_limit == 30
    assert settings.api.token == () and settings.service.default_timezone == "UTC"
    assert load_settings({"API_TOKEN": " a, b ,"}).api.token == ("a", "b")
    assert settings == Settings()  # a setting left unset is its declared default


# Variables .env.example documents that the processes read themselves, outside Settings, and where.
READ_ELSEWHERE = {"LOG_LEVEL": "worker.py", "PORT": "gunicorn.conf.py", "WEB_CONCURRENCY": "gunicorn.conf.py",
                  "REQUESTS_CA_BUNDLE": "app/delivery/worker.py"}


def documented() -> dict[str, str]:
    """.env.example's variables and the values it gives them (`NAME=value`, or `# NAME=value` as an example)."""
    return dict(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$", (ROOT / ".env.example").read_text(), re.M))


def test_env_example_documents_every_setting_and_nothing_else():
    variables = [f.metadata["env"] for _, f in declared()]
    assert len(variables) == len(set(variables)), "a variable is declared twice in app/settings.py"
    missing = set(variables) - set(documented())
    assert not missing, f"declared in app/settings.py, missing from .env.example: {sorted(missing)}"
    stray = set(documented()) - set(variables) - set(READ_ELSEWHERE)
    assert not stray, f"documented in .env.example, declared nowhere (app/settings.py): {sorted(stray)}"
    for name, reader in READ_ELSEWHERE.items():
        assert name in (ROOT / reader).read_text(), f"{name}: {reader} no longer reads it"


def test_env_example_gives_the_declared_defaults():
    example = {name: value for name, value in documented().items() if name not in READ_ELSEWHERE}
    assert load_settings(example) == load_settings({})


def test_each_setting_is_named_after_its_variable_less_its_groups_word():
    """REDIS_KEY_PREFIX is settings.redis.key_prefix, EMBEDDED_REDIS_PATH settings.redis.embedded_path."""
    for group, setting in declared():
        variable = setting.metadata["env"]
        assert setting.name == "_".join(w for w in variable.lower().split("_") if w != group), variable
        assert setting.metadata["doc"], f"{variable} has no doc"


def test_rediss_accepts_self_signed_certificates_unless_asked_to_verify():
    assert _url_options("rediss://h:6380", 5)["ssl_cert_reqs"] == "none"
    assert "ssl_cert_reqs" not in _url_options("rediss://h:6380?ssl_cert_reqs=required", 5)
    assert "ssl_cert_reqs" not in _url_options("redis://h:6379", 5)


def test_embedded_redis_is_shared_by_a_second_process(tmp_path):
    path = tmp_path / "redis.db"
    settings = load_settings({"EMBEDDED_REDIS_PATH": str(path)})
    client = connect(settings)
    client.set("greeting", "hello")
    script = ("from app.storage.connection import connect; from app.settings import load_settings; "
              f"print(connect(load_settings({{'EMBEDDED_REDIS_PATH': {str(path)!r}}})).get('greeting').decode())")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "hello", out.stderr
    assert client.ping()  # the second process leaving does not stop the server


def test_rediss_connects_to_a_tls_redis_with_a_self_signed_certificate(tmp_path):
    """As Heroku Redis presents it: TLS with a certificate no public CA signed."""
    import trustme

    from tests.support.redis_server import RedisServer, free_port

    ca = trustme.CA()  # a CA the client has never heard of: like a self-signed certificate
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_pem.write_to_path(tmp_path / "key.pem")
    cert.cert_chain_pems[0].write_to_path(tmp_path / "cert.pem")
    ca.cert_pem.write_to_path(tmp_path / "ca.pem")
    tls_port = free_port()
    server = RedisServer(extra_args=("--tls-port", str(tls_port), "--tls-cert-file", str(tmp_path / "cert.pem"),
                                     "--tls-key-file", str(tmp_path / "key.pem"), "--tls-ca-cert-file",
                                     str(tmp_path / "ca.pem"), "--tls-auth-clients", "no"))
    try:
        server.start()
    except RuntimeError as err:
        pytest.skip(f"this redis-server has no TLS support: {err}")
    try:
        client = connect(load_settings({"REDIS_URL": f"rediss://127.0.0.1:{tls_port}/0"}))
        assert client.ping() and client.connection_pool.connection_class.__name__ == "SSLConnection"
        strict = connect(load_settings({"REDIS_URL": f"rediss://127.0.0.1:{tls_port}/0?ssl_cert_reqs=required"}))
        with pytest.raises(Exception, match="certificate verify failed"):
            strict.ping()
    finally:
        server.stop()


# --- script/run: the command line wins over .env ---------------------------------------------------------------

def _project_with_dotenv(tmp_path, dotenv: str):
    """The project as links, beside a `.env` of its own: script/run reads the `.env` of the directory it runs in,
    and the repository's own must not be touched while other tests run."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("app", "script", "worker.py", "gunicorn.conf.py", "Procfile", ".venv", *(
            p.name for p in ROOT.glob("requirements*.txt"))):
        (project / name).symlink_to(ROOT / name)
    (project / ".env").write_text(dotenv)
    return project


def test_script_run_listens_on_the_port_of_the_command_line_not_of_dotenv(tmp_path):
    """A new user: with PORT=5613 in .env, `PORT=5612 script/run` said 5612 and listened on 5613 (honcho laid .env
    over the environment). The process environment wins everywhere: the banner, honcho, gunicorn, the app."""
    import os
    import signal
    import time
    import urllib.error
    import urllib.request

    from tests.support.redis_server import free_port

    shell_port, dotenv_port = free_port(), free_port()
    project = _project_with_dotenv(tmp_path, f"PORT={dotenv_port}\nAPI_TOKEN=from-dotenv\n")
    env = {**os.environ, "PORT": str(shell_port), "API_TOKEN": "", "REDIS_URL": "", "VONAGE_API_KEY": "",
           "VONAGE_API_SECRET": "", "EMBEDDED_REDIS_PATH": str(tmp_path / "redis.db"), "WEB_CONCURRENCY": "1",
           "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "run.log"
    run = subprocess.Popen([str(project / "script" / "run")], cwd=tmp_path, env=env, stdout=log.open("w"),
                           stderr=subprocess.STDOUT, start_new_session=True)

    def status(port: int, path: str) -> int | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
                return answer.status
        except urllib.error.HTTPError as err:
            return err.code
        except OSError:
            return None

    try:
        deadline = time.time() + 120
        while time.time() < deadline and run.poll() is None and status(shell_port, "/healthz") is None \
                and status(dotenv_port, "/healthz") is None:
            time.sleep(0.2)
        assert status(shell_port, "/healthz") == 200, log.read_text()[-3000:]
        assert status(dotenv_port, "/healthz") is None
        assert f"http://127.0.0.1:{shell_port}/simulator" in log.read_text()
        assert str(dotenv_port) not in log.read_text()
        assert status(shell_port, "/simulator") == 200  # API_TOKEN="" from the shell, not .env's: no login asked
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGINT)
        run.wait(30)


def test_the_run_banner_says_when_no_api_token_is_set_and_how_to_set_one():
    """The banner said "an API_TOKEN as password" whether or not one was set, and not how to set one."""
    from app.ops.localrun import banner

    unset = banner("5612", load_settings({"API_TOKEN": ""}))
    assert "No API_TOKEN is set" in unset and "API_TOKEN=" in unset and ".env" in unset
    assert "http://127.0.0.1:5612/simulator" in unset and "as password" not in unset
    assert "your API_TOKEN as password" in banner("5612", load_settings({"API_TOKEN": "s3cret-token"}))
    assert "s3cret-token" not in banner("5612", load_settings({"API_TOKEN": "s3cret-token"}))


def test_ctrl_c_stops_script_run_promptly_saying_what_it_does(tmp_path):
    """Ctrl+C took about 8 s, silently: most of it redis-py retrying (with backoff) the connection the embedded
    Redis had closed by obeying SHUTDOWN. Measured on an idle run: 4.8–6.1 s before, 1.9–2.5 s after."""
    import os
    import signal
    import time
    import urllib.request

    from tests.support.redis_server import free_port

    port = free_port()
    env = {**os.environ, "PORT": str(port), "API_TOKEN": "", "REDIS_URL": "", "VONAGE_API_KEY": "",
           "VONAGE_API_SECRET": "", "EMBEDDED_REDIS_PATH": str(tmp_path / "redis.db"), "WEB_CONCURRENCY": "1",
           "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "run.log"
    run = subprocess.Popen([str(ROOT / "script" / "run")], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                           start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and run.poll() is None and "worker started" not in log.read_text():
            time.sleep(0.2)
        while time.time() < deadline and run.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        assert run.poll() is None, log.read_text()[-3000:]
        pressed = time.monotonic()
        os.killpg(run.pid, signal.SIGINT)  # as Ctrl+C in a terminal: the whole foreground group
        assert run.wait(30) == 130
        took = time.monotonic() - pressed
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    out = log.read_text()
    assert "stopping web and worker" in out and "stopping the embedded Redis" in out and "localrun | stopped" in out
    assert took < 4.5, f"{took:.1f} s\n{out[-2000:]}"
