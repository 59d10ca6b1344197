"""script/run and its keeper of the embedded Redis (app/ops/localrun.py): the command line wins over .env, the
banner says what a newcomer needs, and Ctrl+C stops everything promptly, saying so. Real processes."""
from __future__ import annotations

import subprocess

import pytest

from app.settings import load_settings
from tests.conftest import ROOT


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


@pytest.mark.slow
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


@pytest.mark.slow
@pytest.mark.timing
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


@pytest.mark.parametrize("given,public_url", [({"PORT": "5612"}, "http://localhost:5612"),
                                              ({"PORT": "5612", "PUBLIC_URL": "https://r.example.org"},
                                               "https://r.example.org")])
def test_a_local_run_links_to_its_own_port_unless_public_url_is_given(tmp_path, given, public_url):
    """LINK texts a link under PUBLIC_URL: on `PORT=5612 script/run` it must reach that run, not port 5000."""
    import os
    import sys

    project = _project_with_dotenv(tmp_path, "")
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "PUBLIC_URL")}
    env.update(given, REDIS_URL="redis://127.0.0.1:1/0")  # someone else's Redis: localrun runs the command as is
    done = subprocess.run([sys.executable, "-m", "app.ops.localrun", "printenv", "PUBLIC_URL"], cwd=project,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == public_url
