"""Score the parser on a corpus file: whole-answer accuracy and the rate of wrong schedules, by category.

Run: .venv/bin/python -m tests.corpus_score tests/corpus/everyday.jsonl [-v] [--detect]

A row may name its language (`"lang": "es"`); without one it is English.  With `--detect`, the table also says how
often `detect_language` names the row's language.

A row's answer is *right* when message, instant, UTC offset and RRULE all match (or the same error code). It is
*wrong* when the parser scheduled something (no error) that is not the expected answer: a wrong time, a wrong
message or a schedule where a refusal was expected. Any other miss is a refusal, which is safe.
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from app.parsing import ParseError, detect_language, parse

CORPUS_DIR = Path(__file__).with_name("corpus")


def load(path: Path | str) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def answer(row: dict) -> dict:
    """What parse() says for a corpus row, in the corpus' own shape."""
    try:
        p = parse(row["text"], row["tz"], datetime.fromisoformat(row["now"]), row.get("lang", "en"))
    except ParseError as err:
        return {"error": err.code}
    return {"message": p.message, "due": p.due.isoformat(), "every": p.every}


def expected(row: dict) -> dict:
    if "error" in row:
        return {"error": row["error"]}
    return {"message": row["message"], "due": row["due"], "every": row["every"]}


def same(got: dict, exp: dict) -> bool:
    """Whole-answer match: message, instant *and* UTC offset (so a DST slip counts as wrong), and RRULE."""
    if "error" in exp or "error" in got:
        return got == exp
    g, e = datetime.fromisoformat(got["due"]), datetime.fromisoformat(exp["due"])
    return (got["message"] == exp["message"] and g == e and g.utcoffset() == e.utcoffset()
            and got["every"] == exp["every"])


@dataclass
class Tally:
    total: int = 0
    right: int = 0
    wrong: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.total if self.total else 0.0


def score(rows: list[dict]) -> dict[str, Tally]:
    """Tallies by category, plus 'all'."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for row in rows:
        got, exp = answer(row), expected(row)
        for key in (row.get("category", "all"), "all") if row.get("category") else ("all",):
            t = tallies[key]
            t.total += 1
            if same(got, exp):
                t.right += 1
            else:
                t.wrong += "error" not in got
                if key == "all":
                    kind = "WRONG" if "error" not in got else "refused"
                    t.misses.append(f"{kind} {row['text']!r} [{row['tz']} {row['now']}]\n    expected {exp}\n"
                                    f"    got      {got}")
    return dict(tallies)


def table(tallies: dict[str, Tally]) -> str:
    lines = ["| category | texts | right | accuracy | scheduled wrong | wrong rate |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for key in sorted(k for k in tallies if k != "all") + ["all"]:
        t = tallies[key]
        name = "**all**" if key == "all" else key
        lines.append(f"| {name} | {t.total} | {t.right} | {t.accuracy:.1%} | {t.wrong} | {t.wrong_rate:.1%} |")
    return "\n".join(lines)


def detection(rows: list[dict]) -> dict[str, int]:
    """How often detect_language names each row's language: right, None (not sure: the caller keeps what it knew) or
    another language (wrong)."""
    counts = {"right": 0, "unsure": 0, "wrong": 0}
    for row in rows:
        got = detect_language(row["text"])
        counts["right" if got == row.get("lang", "en") else "unsure" if got is None else "wrong"] += 1
    return counts


def main(argv: list[str]) -> None:
    verbose, detect = "-v" in argv, "--detect" in argv
    for path in [a for a in argv if a not in ("-v", "--detect")]:
        rows = load(path)
        tallies = score(rows)
        print(f"\n{path}\n\n{table(tallies)}")
        if detect:
            d = detection(rows)
            print(f"\nlanguage detected: {d['right']}/{len(rows)} ({d['right'] / len(rows):.1%}) right, "
                  f"{d['unsure']} not sure, {d['wrong']} wrong")
        if verbose:
            for line in tallies["all"].misses:
                print("  " + line)


if __name__ == "__main__":
    main(sys.argv[1:])
