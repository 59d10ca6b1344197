"""Benchmark app/parsing.py against raw dateparser on the corpus texts.

Run: .venv/bin/python bench/bench_parser.py [--repeat N] [--fresh N]

Prints a markdown table: parse() median/p99 per text (warm), dateparser.search.search_dates median/p99 on the same
texts with comparable settings, their ratio, and the first-call cost in a fresh process with and without warm_up().
The module is loaded from its file so the numbers do not include the rest of the app's imports (Flask etc.).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE = ROOT / "app" / "parsing.py"
CORPUS = ROOT / "tests" / "parser_corpus.jsonl"


def load_parsing():
    spec = importlib.util.spec_from_file_location("parsing_bench", MODULE)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["parsing_bench"] = mod
    spec.loader.exec_module(mod)
    return mod


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def per_text_times(fn, cases, repeat: int) -> list[float]:
    """Best-of-`repeat` wall time (ms) per case, so one scheduler hiccup on a shared box does not count as the text's."""
    out = []
    for case in cases:
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn(case)
            best = min(best, time.perf_counter() - t0)
        out.append(best * 1000)
    return out


FRESH_SNIPPET = r"""
import importlib.util, sys, time
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("parsing_bench", {module!r})
mod = importlib.util.module_from_spec(spec); sys.modules["parsing_bench"] = mod; spec.loader.exec_module(mod)
t1 = time.perf_counter()
if {warm}:
    mod.warm_up()
t2 = time.perf_counter()
from datetime import datetime
now = datetime(2026, 11, 25, 10, 0)
mod.parse({text!r}, "America/New_York", now)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def fresh(text: str, warm: bool, runs: int) -> tuple[float, float, float]:
    """Median (import, warm_up, first parse) seconds over `runs` fresh interpreters."""
    samples = []
    for _ in range(runs):
        code = FRESH_SNIPPET.format(module=str(MODULE), warm=warm, text=text)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        samples.append(tuple(float(x) for x in out.split()))
    return tuple(statistics.median(s[i] for s in samples) for i in range(3))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5, help="timed calls per text (best kept)")
    ap.add_argument("--fresh", type=int, default=5, help="fresh processes per first-call measurement")
    args = ap.parse_args()

    parsing = load_parsing()
    from dateparser.search import search_dates

    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = []
    for r in rows:
        now = datetime.fromisoformat(r["now"])
        mfirst = parsing.month_first(r["tz"])
        settings = {"PREFER_DATES_FROM": "future", "RETURN_AS_TIMEZONE_AWARE": True, "TIMEZONE": r["tz"],
                    "RELATIVE_BASE": now.replace(tzinfo=None), "DATE_ORDER": "MDY" if mfirst else "DMY"}
        cases.append((r["text"], r["tz"], now, settings))

    def run_parse(c):
        try:
            parsing.parse(c[0], c[1], c[2])
        except parsing.ParseError:
            pass

    def run_raw(c):
        search_dates(c[0], languages=["en"], settings=c[3])

    parsing.warm_up()
    for c in cases:  # warm both sides over every text once
        run_parse(c)
        run_raw(c)
    ours = per_text_times(run_parse, cases, args.repeat)
    raw = per_text_times(run_raw, cases, args.repeat)
    fallback_share = sum(1 for c in cases if parsing._RE_FALLBACK_HINT.search(c[0])) / len(cases)

    typical, fallback_text = "gym tomorrow 7am", "dentist Dec-03"
    cold_t = fresh(typical, False, args.fresh)
    warm_t = fresh(typical, True, args.fresh)
    cold_f = fresh(fallback_text, False, args.fresh)
    warm_f = fresh(fallback_text, True, args.fresh)

    med_o, med_r = statistics.median(ours), statistics.median(raw)
    p99_o, p99_r = pct(ours, 0.99), pct(raw, 0.99)
    print(f"\n{len(cases)} corpus texts, best of {args.repeat} calls each; "
          f"{fallback_share:.0%} of texts name a month or a numeric date (may reach the dateparser fallback)\n")
    print("| measure | parse() | raw search_dates | ratio parse/raw |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| median per text (warm) | {med_o:.3f} ms | {med_r:.3f} ms | {med_o / med_r:.2f}x |")
    print(f"| p99 per text (warm) | {p99_o:.3f} ms | {p99_r:.3f} ms | {p99_o / p99_r:.2f}x |")
    print(f"| mean per text (warm) | {statistics.mean(ours):.3f} ms | {statistics.mean(raw):.3f} ms | "
          f"{statistics.mean(ours) / statistics.mean(raw):.2f}x |")
    print(f"\nFirst call in a fresh process (median of {args.fresh} processes; module loaded from its file):\n")
    print("| text | import | warm_up() | first parse() | import + first parse |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, (imp, wu, first) in ((f"`{typical}`, no warm_up", cold_t), (f"`{typical}`, after warm_up", warm_t),
                                    (f"`{fallback_text}` (fallback), no warm_up", cold_f),
                                    (f"`{fallback_text}` (fallback), after warm_up", warm_f)):
        print(f"| {label} | {imp * 1000:.0f} ms | {wu * 1000:.0f} ms | {first * 1000:.1f} ms | "
              f"{(imp + first) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
