"""The benchmark: real processes (gunicorn from the Procfile, worker.py, a private redis-server, the fake Vonage
in its own process) on this machine. Prints a markdown table of medians and the machine, writes JSON to
bench/results/. Usage: script/bench [--quick] [--only PART ...] [--repeat N] [--latency SECONDS]"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import scenarios
from .procs import ROOT, Stack

PARTS = ("punctuality", "burst", "rate", "inbound", "memory", "scale")


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    redis_v = subprocess.run([_redis_server(), "--version"], capture_output=True, text=True).stdout.split()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "interpreter": sys._base_executable,
            "redis": next((w.split("=")[1] for w in redis_v if w.startswith("v=")), "?"),
            "os": platform.platform(), "background_load_cores": round(background_load(), 2)}


def _redis_server() -> str:
    from tests.support.redis_server import find_redis_executable
    return find_redis_executable()


def background_load(seconds: float = 2.0) -> float:
    """Cores kept busy by other processes before the run starts (the machine is shared)."""
    def busy() -> tuple[float, float]:
        f = [float(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(f[:3]) + sum(f[5:8]), sum(f)
    b0, t0 = busy()
    time.sleep(seconds)
    b1, t1 = busy()
    return (b1 - b0) / (t1 - t0) * (os.cpu_count() or 1)


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def redis_cost(runs: list[dict], memory: bool = False) -> str:
    """Median Redis CPU and commands (and memory) per operation, from scenarios.per's figures."""
    text = f"{median(runs, 'redis_cpu_ms') * 1000:.0f} µs, {median(runs, 'redis_calls'):.1f}"
    return text + (f", {median(runs, 'redis_bytes'):.0f} B" if memory else "")


def run_part(part: str, args: argparse.Namespace) -> dict:
    q, n = args.quick, args.repeat
    if part == "punctuality":
        with Stack(args.latency) as s:
            runs = [scenarios.punctuality(s, 150 if q else 600, 20 if q else 60) for _ in range(n)]
        return {"runs": runs}
    if part == "burst":
        count = 3000 if q else 10000
        with Stack(args.latency) as s:
            one = [scenarios.burst(s, count, 1) for _ in range(n)]
            two = [scenarios.burst(s, count, 2) for _ in range(n)]
        return {"one": one, "two": two}
    if part == "rate":
        with Stack(args.latency) as s:
            runs = [scenarios.rate_cap(s, 150 if q else 300) for _ in range(n)]
        return {"runs": runs}
    if part == "inbound":
        if not shutil.which("wrk"):
            raise RuntimeError("wrk is not installed (script/bench installs it with apt-get)")
        with Stack(args.latency) as s:  # Vonage configured, as deployed: so the simulator (local use only) is off
            runs = [scenarios.inbound(s, 500, 8 if q else 20) for _ in range(n)]
        return {"runs": runs}
    if part == "memory":
        count, api = (20000, 3000) if q else (100000, 20000)
        return {"ten": [scenarios.memory(count, 10, count // 10) for _ in range(1)],
                "one": [scenarios.memory(count, 1, count // 10) for _ in range(1)],
                "api_ten": scenarios.api_memory(api, 10), "api_one": scenarios.api_memory(api, 1)}
    if part == "scale":
        big = 200_000 if q else 1_000_000
        with Stack(args.latency) as s:
            small_runs, big_runs = [], []
            for _ in range(n):
                small_runs.append(scenarios.scale(s, 1000, 300, 10 if q else 20, 100 if q else 200))
                big_runs.append(scenarios.scale(s, big, 300, 10 if q else 20, 100 if q else 200))
        return {"small": small_runs, "big": big_runs}
    raise ValueError(part)


def table(results: dict, args: argparse.Namespace) -> str:
    rows: list[tuple[str, str, str, str, str]] = []

    def row(part: str, what: str, value: str, goal: str = "", met: bool | None = None) -> None:
        rows.append((part, what, value, goal, "" if met is None else ("met" if met else "**missed**")))

    if "punctuality" in results:
        r = results["punctuality"]["runs"]
        p99 = median(r, "p99_ms")
        row("Punctuality", f"lateness p50 / p99 ({r[0]['count']} reminders over {r[0]['spread_s']:.0f} s, 1 worker)",
            f"{median(r, 'p50_ms'):.0f} / {p99:.0f} ms", "p99 < 100 ms", p99 < 100)
        row("", "lost / duplicated / early", f"{sum(x['lost'] for x in r)} / {sum(x['duplicates'] for x in r)} / "
            f"{sum(x['early'] for x in r)}", "0 / 0 / 0",
            not any(x['lost'] or x['duplicates'] or x['early'] for x in r))
    if "burst" in results:
        one, two = results["burst"]["one"], results["burst"]["two"]
        r1, r2 = median(one, "sms_per_s"), median(two, "sms_per_s")
        row("Burst", f"{one[0]['count']:,} due at once, 1 worker: drain time, SMS/s",
            f"{median(one, 'drain_s'):.1f} s, {r1:.0f}/s", ">= 500/s per worker", r1 >= 500)
        row("", "2 workers: drain time, SMS/s (per worker)",
            f"{median(two, 'drain_s'):.1f} s, {r2:.0f}/s ({r2 / 2:.0f})",
            ">= 500/s per worker", r2 / 2 >= 500)
        cpu = median(one, "worker_cpu_ms_per_sms")
        row("", "worker CPU per SMS (process CPU time / SMS, 1 worker); SMS/s one core allows",
            f"{cpu:.2f} ms; {1000 / cpu:.0f}/s", "<= 1.5 ms", cpu <= 1.5)
        row("", "Redis per SMS sent: CPU, commands", redis_cost([x["per_sms"] for x in one]))
        row("", "2 workers / 1 worker", f"{r2 / r1:.2f}x")
        bad = sum(x["lost"] + x["duplicates"] + x["early"] for x in one + two)
        row("", "lost + duplicated + early", str(bad), "0", bad == 0)
    if "rate" in results:
        r = results["rate"]["runs"]
        worst = max(x["busiest_1s"] for x in r)
        row("Rate cap", f"SMS_RATE_LIMIT=30, 2 workers, {r[0]['count']} due: busiest 1 s window (worst run), mean rate",
            f"{worst} in 1 s, {median(r, 'mean_rate'):.1f}/s", "never > 30 in 1 s", worst <= 30)
    if "inbound" in results:
        r = results["inbound"]["runs"]
        steady = [x["steady"] for x in r]
        top = [x["max"] for x in r]
        rps, p99 = median(steady, "rps"), median(steady, "p99_ms")
        row("Inbound", "signed webhooks offered at 500/s: served/s, p50 / p99",
            f"{rps:.0f}/s, {median(steady, 'p50_ms'):.0f} / {p99:.0f} ms", "500/s, p99 < 50 ms",
            rps >= 475 and p99 < 50)
        row("", "as fast as possible: served/s, p99", f"{median(top, 'rps'):.0f}/s, {median(top, 'p99_ms'):.0f} ms")
        cpu = median(steady, "web_cpu_ms_per_inbound")
        row("", "web CPU per inbound text (gunicorn's processes' CPU time / request; new reminder and reply)",
            f"{cpu:.2f} ms", "<= 1.5 ms", cpu <= 1.5)
        row("", "Redis per inbound text: CPU, commands, memory", redis_cost([x["per_inbound"] for x in steady], True))
        errors = sum(x["non_2xx"] + x["socket_errors"] for x in steady + top)
        row("", "non-2xx / socket errors; wrk's own CPU", f"{errors}; {median(steady, 'wrk_cpu_cores'):.2f} core")
    if "memory" in results:
        ten, one = results["memory"]["ten"][0], results["memory"]["one"][0]
        row("Memory", f"Redis bytes per pending reminder, 10 per number ({ten['count']:,})",
            f"{ten['bytes_per_reminder']:.0f} B", "< 250 B", ten["bytes_per_reminder"] < 250)
        row("", "1 per number", f"{one['bytes_per_reminder']:.0f} B", "< 250 B", one["bytes_per_reminder"] < 250)
        b = ten["breakdown"]
        row("", "where (10 per number): due zset / data hashes / index buckets",
            f"{b['due']:.0f} / {b['data:<bucket>']:.0f} / {b['pidx:<n>']:.0f} B (record {ten['record_bytes']:.0f} B)")
        b = one["breakdown"]
        row("", "where (1 per number): due zset / data hashes / index buckets",
            f"{b['due']:.0f} / {b['data:<bucket>']:.0f} / {b['pidx:<n>']:.0f} B")
        row("", "same reminder as an rq job (enqueue_at)", f"{ten['rq_bytes_per_job']:.0f} B = {ten['rq_ratio']:.1f}x")
        a10, a1 = results["memory"]["api_ten"], results["memory"]["api_one"]
        for label, a in ((f"through POST /api/reminders, 10 per number ({a10['count']:,})", a10), ("1 per number", a1)):
            row("", label, f"{a['bytes_per_reminder']:.0f} B (+{a['limiter_bytes_per_reminder']:.0f} B of rate-limit "
                f"counters for a minute)", "< 250 B", a["bytes_per_reminder"] < 250)
        row("", "API create: app CPU, Redis CPU, Redis commands", f"{a10['app_cpu_ms_per_request']:.2f} ms, "
            f"{a10['per_create']['redis_cpu_ms'] * 1000:.0f} µs, {a10['per_create']['redis_calls']:.0f}")
    if "scale" in results:
        small, big = results["scale"]["small"], results["scale"]["big"]
        n = big[0]["backlog"]
        for key, label in (("add_p50_us", "add one reminder p50"), ("claim50_p50_us", "claim 50 due p50")):
            a, b = median(small, key), median(big, key)
            row("Scale" if key == "add_p50_us" else "", f"{label}: 1,000 vs {n:,} pending",
                f"{a:.0f} vs {b:.0f} µs ({b / a:.2f}x)", "flat (O(log n))", b / a < 2)
        a, b = median(small, "late_p99_ms"), median(big, "late_p99_ms")
        row("", f"punctuality p99: 1,000 vs {n:,} pending", f"{a:.0f} vs {b:.0f} ms", "flat", b < max(2 * a, a + 50))
        row("", f"preload {n:,} (server-side Lua); Redis memory", f"{median(big, 'preload_s'):.1f} s; "
            f"{median(big, 'used_memory_mb'):.0f} MiB")
    lines = ["| Part | Measure | Result (median) | Goal | |", "|---|---|---|---|---|"]
    lines += [f"| {' | '.join(r)} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Reminder service benchmark")
    ap.add_argument("--only", action="append", choices=PARTS, help="run only this part (repeatable)")
    ap.add_argument("--quick", action="store_true", help="smaller sizes and shorter runs (a smoke test)")
    ap.add_argument("--repeat", type=int, default=None, help="runs per measurement (default 3, quick 1)")
    ap.add_argument("--latency", type=float, default=0.02, help="fake Vonage response latency, seconds")
    args = ap.parse_args(argv)
    args.repeat = args.repeat or (1 if args.quick else 3)
    parts = args.only or list(PARTS)
    info = machine()
    print(f"Machine: {info['cpu']}, {info['cores']} cores, Python {info['python']} ({info['interpreter']}), "
          f"Redis {info['redis']}; "
          f"other processes kept {info['background_load_cores']} cores busy before the run", flush=True)
    results: dict = {}
    timings: dict = {}
    for part in parts:
        started = time.time()
        print(f"... {part}", flush=True)
        results[part] = run_part(part, args)
        timings[part] = round(time.time() - started, 1)
    text = table(results, args)
    print()
    print(text)
    print(f"\nMachine: {info['cpu']}, {info['cores']} cores, Python {info['python']} ({info['interpreter']}), "
          f"Redis {info['redis']}, "
          f"{info['os']}. Fake Vonage latency {args.latency * 1000:.0f} ms; medians of {args.repeat} run(s)"
          f"{' (--quick)' if args.quick else ''}.")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / time.strftime("bench-%Y%m%d-%H%M%S.json")
    path.write_text(json.dumps({"machine": info, "args": vars(args), "seconds": timings, "results": results,
                                "table": text}, indent=1, default=str))
    print(f"JSON: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
