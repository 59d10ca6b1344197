"""The release-phase check: `python -m app.ops.checks` stops a deploy whose settings cannot work, saying why.

A platform runs it before switching traffic to a new release (Procfile `release:`), so a missing Redis add-on
or a misspelt setting fails the deploy with one clear line instead of crashing dynos later. Warnings point at
settings that work but are probably not what an operator wants in production.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis
from dotenv import load_dotenv

from app.settings import Settings, SettingsError, load_settings
from app.storage.connection import connect


@dataclass(frozen=True)
class Finding:
    level: str  # "fail" | "warn" | "ok"
    name: str
    message: str

    def line(self) -> str:
        return f"{self.level.upper():<4}  {self.name}: {self.message}"


def check(env: Mapping[str, str], production: bool) -> list[Finding]:
    """Every finding about these settings; any 'fail' means the release must not go out."""
    try:
        settings = load_settings(env)
    except SettingsError as err:
        return [Finding("fail", "settings", str(err))]
    found = [Finding("ok", "settings", "every setting is well-formed")]
    found += _redis(settings, production)
    found += _vonage(env, settings, production)
    if production and not settings.service.support_contact:
        found.append(Finding("warn", "SUPPORT_CONTACT", "not set: HELP cannot say where to get help, which carriers "
                                                        "expect (CTIA); set a URL, an email address or a number"))
    if not settings.api.token:
        found.append(Finding("warn", "API_TOKEN", "not set: the REST API and the dashboard answer 401/403"))
    elif production and any(len(t) < 16 for t in settings.api.token):
        found.append(Finding("warn", "API_TOKEN", "a token shorter than 16 characters is easy to guess"))
    return found


def _redis(settings: Settings, production: bool) -> list[Finding]:
    if not settings.redis.url and not settings.redis.sentinels:
        if production:
            return [Finding("fail", "REDIS_URL", "not set: add a Redis add-on (the embedded Redis is for one "
                                                 "machine; web and worker dynos would not share it)")]
        return [Finding("ok", "REDIS_URL", "not set: using the embedded Redis (local runs only)")]
    name, where = (("REDIS_SENTINELS", f"the Sentinels' primary {settings.redis.sentinel_master!r}")
                   if settings.redis.sentinels else ("REDIS_URL", urlsplit(settings.redis.url or "").hostname or "?"))
    try:
        client = connect(settings)
        replicas = int(client.info("replication").get("connected_slaves", 0))
    except (redis.RedisError, OSError) as err:
        return [Finding("fail", name, f"cannot reach Redis at {where}: {type(err).__name__}: {err}")]
    found = [Finding("ok", name, f"Redis at {where} answers ({replicas} replicas connected)")]
    if replicas < settings.redis.min_replicas:
        found.append(Finding("warn", "REDIS_MIN_REPLICAS", f"{settings.redis.min_replicas} needed, {replicas} "
                                                           "connected: new reminders get 503 until more connect"))
    return found


def _vonage(env: Mapping[str, str], settings: Settings, production: bool) -> list[Finding]:
    if not settings.vonage.enabled:
        level = "warn" if production else "ok"
        return [Finding(level, "VONAGE_API_KEY", "not set: SMS are written to the log and shown in the simulator, "
                                                 "never sent")]
    found = [Finding("ok", "VONAGE_API_KEY", "Vonage credentials set")]
    if not (env.get("VONAGE_NUMBER") or "").strip():
        found.append(Finding("fail", "VONAGE_NUMBER", "not set: replies and reminders need the virtual number "
                                                      "people text (E.164, e.g. 447700900000)"))
    elif not settings.vonage.number.isdigit() or not 6 <= len(settings.vonage.number) <= 15:
        found.append(Finding("fail", "VONAGE_NUMBER", f"{settings.vonage.number!r} is not a number in E.164 form"))
    if settings.vonage.unsigned_webhooks_problem:
        found.append(Finding("fail", "VONAGE_SIGNATURE_SECRET", settings.vonage.unsigned_webhooks_problem))
    elif not settings.vonage.signatures_required:
        found.append(Finding("warn", "ALLOW_UNSIGNED_WEBHOOKS", "true: anyone who finds the webhook URL can fake "
                                                                "inbound texts and delivery receipts"))
    if settings.open_simulator_problem:
        found.append(Finding("fail", "SIMULATOR", settings.open_simulator_problem))
    elif settings.service.simulator == "on":
        found.append(Finding("warn", "SIMULATOR", "on with Vonage configured: anyone can text the service as any "
                                                  "number from /simulator, and replies are real SMS"))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.ops.checks", description=__doc__.splitlines()[0])
    parser.add_argument("--production", action="store_true",
                        help="hold the settings to production's standard (implied on a platform dyno, $DYNO)")
    args = parser.parse_args(argv)
    load_dotenv(override=False)  # .env under the environment: the command line wins
    production = args.production or bool(os.environ.get("DYNO"))
    findings = check(os.environ, production)
    for finding in findings:
        print(finding.line(), file=sys.stderr if finding.level == "fail" else sys.stdout)
    failed = [f for f in findings if f.level == "fail"]
    print(f"release check {'FAILED: fix the settings above' if failed else 'passed'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
