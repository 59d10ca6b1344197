"""Admin commands: `flask --app app reminders list|show|cancel|retry|dead`, `stats` and `send-test`.

For operators on a platform shell (`heroku run flask --app app stats`): the same figures and actions as the
dashboard, and a test SMS that goes straight through the configured sender, to check credentials without
waiting for the worker.
"""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app.delivery.senders import SendError
from app.logs import mask_phone
from app.ops import operations
from app.phones import normalise
from app.services import services
from app.storage.store import Reminder

reminders = AppGroup("reminders", help="List, show, cancel and retry reminders.")


def _when(ts: float, tz: str) -> str:
    return datetime.fromtimestamp(ts, ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S %Z")


def _row(rem: Reminder, show_text: bool) -> str:
    text = rem.message if show_text else f"[{len(rem.message)} chars]"
    repeat = " (repeats)" if rem.every else ""
    return f"{rem.id:>8}  {rem.kind:<8} {rem.status:<9} +{rem.phone:<15} {_when(rem.due, rem.tz)}{repeat}  {text}"


def _phone(raw: str | None) -> str | None:
    if raw is None:
        return None
    phone = normalise(raw)
    if phone is None:
        raise click.BadParameter(f"{raw!r} is not a phone number; use E.164, e.g. +14155550100")
    return phone


@reminders.command("list")
@click.option("--phone", help="only this number's reminders")
@click.option("--limit", default=20, show_default=True, help="how many, soonest first")
@click.option("--text/--no-text", "show_text", default=False, help="show message text (hidden by default)")
def list_command(phone: str | None, limit: int, show_text: bool) -> None:
    """The next entries on the schedule, soonest first."""
    found = operations.upcoming(services().store, limit, _phone(phone))
    for rem in found:
        click.echo(_row(rem, show_text))
    click.echo(f"{len(found)} shown, {services().store.pending_count()} on the schedule")


@reminders.command("show")
@click.argument("rid")
def show_command(rid: str) -> None:
    """One entry as JSON, also after it was sent, failed or cancelled (for a week)."""
    rem = services().store.get(rid)
    if rem is None:
        raise click.ClickException(f"no reminder {rid}")
    click.echo(json.dumps(rem.as_dict(), ensure_ascii=False, indent=2))


@reminders.command("cancel")
@click.argument("rid")
def cancel_command(rid: str) -> None:
    """Cancel a pending reminder (a whole series if it repeats)."""
    if services().store.cancel(rid) is None:
        raise click.ClickException(f"{rid} is not a pending reminder")
    click.echo(f"cancelled {rid}")


@reminders.command("retry")
@click.argument("ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="retry every dead letter")
def retry_command(ids: tuple[str, ...], every: bool) -> None:
    """Send failed (dead-lettered) messages again, now."""
    store = services().store
    if every:
        ids = tuple(rem.id for rem, _ in operations.dead_letters(store, limit=10_000))
    if not ids:
        raise click.UsageError("give the ids to retry, or --all")
    failures = 0
    for rid in ids:
        try:
            click.echo(f"retrying {rid} as {operations.retry(services(), rid)}")
        except operations.RetryError as err:
            failures += 1
            click.echo(f"not retried: {err}", err=True)
    if failures:
        sys.exit(1)


@reminders.command("dead")
@click.option("--limit", default=20, show_default=True)
def dead_command(limit: int) -> None:
    """Dead letters, most recent first, with why they failed."""
    found = operations.dead_letters(services().store, limit)
    for rem, at in found:
        click.echo(f"{rem.id:>8}  {rem.kind:<8} {mask_phone('+' + rem.phone):<8} failed "
                   f"{_when(at or 0, services().settings.service.default_timezone)}: {rem.detail}")
    click.echo(f"{len(found)} shown")


@click.command("stats")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="machine-readable")
def stats_command(as_json: bool) -> None:
    """The dashboard's figures: schedule, today's sends and failures, lateness, workers."""
    figures = operations.stats(services(), services().settings.service.default_timezone)
    if as_json:
        click.echo(json.dumps(figures.as_dict(), indent=2))
        return

    def seconds(v: float | None) -> str:
        return "-" if v is None else f"{v:.2f} s"

    for label, value in (
            ("pending", figures.pending), ("due in the next hour", figures.due_next_hour),
            ("overdue", figures.overdue), (f"created today (since {figures.day_starts})", figures.created_today),
            ("sent today", figures.sent_today), ("failed today", figures.failed_today),
            ("retried today", figures.retried_today),
            ("lateness p50 / p95 / max", f"{seconds(figures.lateness_p50)} / {seconds(figures.lateness_p95)} / "
                                         f"{seconds(figures.lateness_max)}"),
            ("dead letters", figures.dead_letters), ("opted out", figures.opted_out),
            ("workers alive", ", ".join(name for name, _ in figures.workers) or "none"),
            ("delivery jobs queued / running / failed",
             f"{figures.queued_jobs} / {figures.running_jobs} / {figures.failed_jobs}")):
        click.echo(f"{label:<45} {value}")


@click.command("send-test")
@with_appcontext
@click.argument("number")
@click.argument("text", required=False, default="Test message from your reminder service.")
def send_test_command(number: str, text: str) -> None:
    """Send one SMS now through the configured sender (Vonage, or the log sender and the simulator)."""
    phone = _phone(number)
    assert phone is not None
    settings = services().settings
    sender = services().sender
    try:
        message_ids = sender.send(phone, text, client_ref=f"test-{int(time.time())}")
    except SendError as err:
        raise click.ClickException(f"not sent: {err}") from None
    via = "Vonage" if settings.vonage.enabled else "the log sender (see /simulator)"
    click.echo(f"sent to +{phone} through {via}: message id {', '.join(message_ids)}")


def init_app(app: Flask) -> None:
    app.cli.add_command(reminders)
    app.cli.add_command(stats_command)
    app.cli.add_command(send_test_command)
