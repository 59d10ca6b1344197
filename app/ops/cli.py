"""`flask --app app parse`: the parser from the command line, one text or a JSON-lines batch."""
from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfoNotFoundError

import click
from flask import Flask

from app import parsing


def parse_one(text: str, tz: str, now: str | None, lang: str | None = None) -> dict:
    """The parser's answer as JSON-ready data: message, due (ISO-8601 with offset) and every, or an error.
    Without `lang` the language is detected from the text (English when that is not clear)."""
    try:
        moment = datetime.fromisoformat(now) if now else None
        parsed = parsing.parse(text, tz, moment, lang or parsing.detect_language(text) or "en")
    except (parsing.ParseError, ValueError) as err:
        return {"error": str(err)}
    except ZoneInfoNotFoundError:
        return {"error": f"unknown time zone {tz!r}; use an IANA name such as Europe/London"}
    return {"message": parsed.message, "due": parsed.due.isoformat(), "every": parsed.every}


def parse_lines(lines: TextIO, out: TextIO, lang: str | None = None) -> None:
    """One answer line per input line, in order; a malformed line gets an error answer, not a crash.  A line's own
    "lang" wins over `lang`; with neither, the language is detected."""
    for line in lines:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            answer = parse_one(str(item["text"]), str(item.get("tz") or "UTC"), item.get("now"),
                               item.get("lang") or lang)
        except (ValueError, KeyError, TypeError, AttributeError):
            answer = {"error": 'each line must be a JSON object like {"text": "...", "tz": "...", "now": "..."}'
                               ' (and "lang" if you like)'}
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()


@click.command("parse")
@click.argument("text", required=False)
@click.option("--tz", default="UTC", show_default=True, help="IANA time zone of the sender, e.g. Europe/London")
@click.option("--now", default=None, help="ISO-8601 'now' to parse against (default: the current time)")
@click.option("--lang", type=click.Choice(parsing.LANGUAGES), default=None,
              help="the text's language (default: detected from the text)")
@click.option("--jsonl", is_flag=True, help='read {"text", "tz", "now", "lang"} lines on stdin, answer one line each')
def parse_command(text: str | None, tz: str, now: str | None, lang: str | None, jsonl: bool) -> None:
    """Show how a reminder text is understood."""
    if jsonl:
        parse_lines(sys.stdin, sys.stdout, lang)
        return
    if text is None:
        raise click.UsageError("give a TEXT to parse, or --jsonl")
    answer = parse_one(text, tz, now, lang)
    click.echo(json.dumps(answer, ensure_ascii=False))
    if "error" in answer:
        sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(parse_command)
