"""Making a reminder: the checks a text and the REST API share, and the one place new reminders are added (and
counted for /metrics). Texting words a refusal from the person's phrasebook; the API answers it as JSON."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app import rules
from app.settings import Settings
from app.storage import counters
from app.storage.store import Channel, Reminder, Store

MAX_MESSAGE = 1000  # characters in a reminder's own text


class Refused(Exception):
    """A reminder that cannot be made. `reason`: too_long, rule, too_far, too_many or past; `limit`: the bound it
    met; `error`: the rule's fault, for `rule`."""

    def __init__(self, reason: str, limit: int | None = None, error: rules.RuleError | None = None) -> None:
        super().__init__(str(error) if error else reason)
        self.reason, self.limit, self.error = reason, limit, error


class Reminders:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings

    def make(self, *, phone: str, message: str, due: datetime, tz: str, every: str | None, now: datetime,
             unsent: int, nag: bool = False, channel: Channel = "sms") -> Reminder:
        """The reminder asked for, checked; raises Refused. Nothing is written."""
        if len(message) > MAX_MESSAGE:
            raise Refused("too_long", MAX_MESSAGE)
        every = self.rule(every, due.astimezone(ZoneInfo(tz))) if every else None
        self.not_too_far(due, now)
        if unsent >= self.settings.limits.max_pending_per_number:
            raise Refused("too_many", self.settings.limits.max_pending_per_number)
        return Reminder(phone=phone, message=message, due=due.timestamp(), tz=tz, every=every, nag=nag,
                        channel=channel)

    def rule(self, every: str, start: datetime) -> str:
        """The rule as stored (rules.check: at most every MIN_REPEAT_MINUTES, a rule the worker can step)."""
        try:
            return rules.check(every, min_minutes=self.settings.limits.min_repeat_minutes, start=start)
        except rules.RuleError as err:
            raise Refused("rule", error=err) from None

    def not_too_far(self, due: datetime, now: datetime) -> None:
        if due - now > timedelta(days=self.settings.limits.max_days_ahead):
            raise Refused("too_far", self.settings.limits.max_days_ahead)

    def in_future(self, due: datetime, now: datetime) -> None:
        """A time given outright (the API) must be ahead, and not too far."""
        if due <= now:
            raise Refused("past")
        self.not_too_far(due, now)

    def add(self, items: list[Reminder], **options: object) -> list[str] | None:
        """Store.add for what a text or an API call makes, counting the new reminders among `items`."""
        ids = self.store.add(items, **options)  # type: ignore[arg-type]
        if ids is not None:
            counters.record_created(self.store, sum(item.kind == "reminder" for item in items))
        return ids
