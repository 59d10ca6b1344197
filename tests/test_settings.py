"""Settings: a bad one fails fast naming it, the defaults, and how the Redis they name is opened (configured, TLS, or
embedded). The parse command is tests/ops/test_cli.py."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from app.settings import Settings, SettingsError, declared, load_settings
from app.storage.connection import _url_ssl, connect
from tests.conftest import ROOT


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
    assert _url_ssl("rediss://h:6380")["ssl_cert_reqs"] == "none"
    assert "ssl_cert_reqs" not in _url_ssl("rediss://h:6380?ssl_cert_reqs=required")
    assert "ssl_cert_reqs" not in _url_ssl("redis://h:6379")


@pytest.mark.slow
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


@pytest.mark.slow
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
