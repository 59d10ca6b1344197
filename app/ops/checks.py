"""The release-phase check: `python -m app.ops.checks` stops a deploy whose settings cannot work, saying why.

A platform runs it before switching traffic to a new release (Procfile `release:`), so a missing Redis add-on
or a misspelt setting fails the deploy with one clear line instead of crashing dynos later. Warnings point at
settings that work but are probably not what an operator wants in production. The worker and the web run the same
check as they start (`start_or_exit`): what fails here stops them too, with the same line.
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

# A managed Redis may refuse CONFIG: where to set maxmemory-policy on the common ones
POLICY_BY_HAND = ("Heroku: `heroku redis:maxmemory --policy noeviction`; AWS ElastiCache: the parameter group's "
                  "maxmemory-policy; others: the plan's settings")


@dataclass(frozen=True)
class Finding:
    level: str  # "fail" | "warn" | "ok"
    name: str
    message: str
    unreachable: bool = False  # Redis did not answer: it may yet (the web starts anyway and answers 503 until then)

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
    found += _public_url(env, settings, production)
    found += _whatsapp(settings, production)
    if production and not settings.service.support_contact:
        found.append(Finding("warn", "SUPPORT_CONTACT", "not set: HELP cannot say where to get help, which carriers "
                                                        "expect (CTIA); set a URL, an email address or a number"))
    if not settings.api.token:
        found.append(Finding("warn", "API_TOKEN", "not set: the REST API and the dashboard answer 401/403"))
    elif production and any(len(t) < 16 for t in settings.api.token):
        found.append(Finding("warn", "API_TOKEN", "a token shorter than 16 characters is easy to guess"))
    return found


def _public_url(env: Mapping[str, str], settings: Settings, production: bool) -> list[Finding]:
    """LINK texts links under PUBLIC_URL: in production the default (localhost) would send people nowhere."""
    if not (env.get("PUBLIC_URL") or "").strip():
        level = "fail" if production else "ok"
        return [Finding(level, "PUBLIC_URL", f"not set: sign-in links (LINK) and calendar feeds point at "
                                             f"{settings.service.public_url}; set the service's public https URL")]
    if production and not settings.service.public_url.startswith("https://"):
        return [Finding("warn", "PUBLIC_URL", "not https: sign-in links and session cookies travel in the clear")]
    return [Finding("ok", "PUBLIC_URL", settings.service.public_url)]


def _redis(settings: Settings, production: bool) -> list[Finding]:
    if not settings.redis.url and not settings.redis.sentinels:
        if production:
            return [Finding("fail", "REDIS_URL", "not set: add a Redis add-on (the embedded Redis is for one "
                                                 "machine; web and worker dynos would not share it)")]
        return [Finding("ok", "REDIS_URL", "not set: using the embedded Redis (local runs only)")]
    name, where = (("REDIS_SENTINELS", f"the Sentinels' primary {settings.redis.sentinel_master!r}")
                   if settings.redis.sentinels else ("REDIS_URL", urlsplit(settings.redis.url or "").hostname or "?"))
    client = connect(settings)
    try:
        replicas = int(client.info("replication").get("connected_slaves", 0))
        found = [Finding("ok", name, f"Redis at {where} answers ({replicas} replicas connected)")]
        if replicas < settings.redis.min_replicas:
            found.append(Finding("warn", "REDIS_MIN_REPLICAS", f"{settings.redis.min_replicas} needed, {replicas} "
                                                               "connected: new reminders get 503 until more connect"))
        return found + _eviction_policy(client) + _persistence(client)
    except (redis.RedisError, OSError) as err:
        return [Finding("fail", name, f"cannot reach Redis at {where}: {type(err).__name__}: {err}", unreachable=True)]
    finally:
        client.close()


def _config(client: redis.Redis, name: str) -> str | None:
    """A server setting, or None where CONFIG is refused (managed Redis often renames or forbids it)."""
    try:
        return client.config_get(name).get(name)
    except redis.ResponseError:
        return None


def _eviction_policy(client: redis.Redis) -> list[Finding]:
    """Any policy but noeviction lets Redis delete keys when memory runs out: reminders' records among them, in
    silence, leaving the schedule with ids whose data is gone. noeviction refuses the write instead (a 503: Vonage
    retries the text)."""
    policy = _config(client, "maxmemory-policy") or client.info("memory").get("maxmemory_policy")
    if policy is None:
        return [Finding("warn", "maxmemory-policy", f"Redis would not say (CONFIG refused): check by hand that it is "
                                                    f"noeviction ({POLICY_BY_HAND})")]
    if policy != "noeviction":
        return [Finding("fail", "maxmemory-policy", f"{policy}: when memory runs out Redis deletes keys, reminders "
                                                    f"among them, without a word; set it to noeviction "
                                                    f"({POLICY_BY_HAND})")]
    return [Finding("ok", "maxmemory-policy", "noeviction: a full Redis refuses writes rather than losing data")]


def _persistence(client: redis.Redis) -> list[Finding]:
    """Neither an AOF nor RDB snapshots: a restart of Redis loses the whole schedule."""
    aof = _config(client, "appendonly") or ("yes" if client.info("persistence").get("aof_enabled") else "no")
    snapshots = _config(client, "save")
    if aof == "yes":
        return [Finding("ok", "persistence", "append-only file on")]
    if snapshots is None:
        return [Finding("warn", "persistence", "no append-only file, and Redis would not say whether it saves "
                                               "snapshots (CONFIG refused): check that the plan persists its data")]
    if not snapshots.strip():
        return [Finding("warn", "persistence", "none (appendonly no, save \"\"): a restart of Redis loses every "
                                               "reminder; turn on appendonly (docs/durability.md)")]
    return [Finding("warn", "persistence", f"snapshots only (save {snapshots}): a crash loses what was written since "
                                           "the last one; turn on appendonly (docs/durability.md)")]


def _vonage(env: Mapping[str, str], settings: Settings, production: bool) -> list[Finding]:
    if not settings.vonage.enabled:
        level = "warn" if production else "ok"
        return [Finding(level, "VONAGE_API_KEY", "not set: SMS are written to the log and shown in the simulator, "
                                                 "never sent")]
    found = [Finding("ok", "VONAGE_API_KEY", "Vonage credentials set")]
    if not (env.get("VONAGE_NUMBER") or "").strip():
        found.append(Finding("fail", "VONAGE_NUMBER", "not set: replies and reminders need the virtual number "
                                                      "people text (E.164, e.g. 447700900000)"))
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


def _whatsapp(settings: Settings, production: bool) -> list[Finding]:
    """WhatsApp goes through the Messages API: WHATSAPP_NUMBER needs an application's id and private key."""
    if not settings.whatsapp.enabled:
        return []
    if settings.vonage.application_id and settings.vonage.private_key:
        return [Finding("ok", "WHATSAPP_NUMBER", f"WhatsApp on, template {settings.whatsapp.template!r}")]
    return [Finding("fail" if production else "warn", "WHATSAPP_NUMBER",
                    "set without VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY: WhatsApp goes through the Messages "
                    "API only, so WhatsApp messages go by SMS (or, with no Vonage credentials, to the log and the "
                    "simulator)")]


def refusals(env: Mapping[str, str], production: bool) -> list[Finding]:
    """The findings that stop a release, and a worker or web process from starting."""
    return [finding for finding in check(env, production) if finding.level == "fail"]


def is_production(env: Mapping[str, str]) -> bool:
    """Production's standard is implied on a platform dyno."""
    return bool(env.get("DYNO"))


def start_or_exit(process: str, env: Mapping[str, str]) -> None:
    """Before `process` starts: each finding that would fail the release check, as one line naming its setting; exit
    1 if there is any. The web (`process` "web") starts anyway when Redis does not answer: it answers 503 until Redis
    does, and Vonage retries, where a web that would not start would leave the platform restarting it."""
    fatal = False
    for finding in refusals(env, is_production(env)):
        tolerated = process == "web" and finding.unreachable
        fatal = fatal or not tolerated
        print(f"{process}: {finding.name}: {finding.message}; starting anyway, answering 503 until it does"
              if tolerated else f"{process} not started: {finding.name}: {finding.message}", file=sys.stderr,
              flush=True)
    if fatal:
        sys.exit(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.ops.checks", description=__doc__.splitlines()[0])
    parser.add_argument("--production", action="store_true",
                        help="hold the settings to production's standard (implied on a platform dyno, $DYNO)")
    args = parser.parse_args(argv)
    load_dotenv(override=False)  # .env under the environment: the command line wins
    production = args.production or is_production(os.environ)
    findings = check(os.environ, production)
    for finding in findings:
        print(finding.line(), file=sys.stderr if finding.level == "fail" else sys.stdout)
    failed = [f for f in findings if f.level == "fail"]
    print(f"release check {'FAILED: fix the settings above' if failed else 'passed'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
