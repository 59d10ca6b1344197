"""One function per benchmark part; each returns a dict of measurements from one run (the runner repeats them)."""
from __future__ import annotations

import math
import random
import statistics
import time
import uuid
from collections import Counter
from datetime import UTC

from app.storage.phoneindex import BUCKETS
from app.storage.store import Channel, Reminder, Store

from .procs import Stack

MESSAGE = "take your pills now!"  # a typical 20-character reminder


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def phone(i: int) -> str:
    return str(14155000000 + i)


def schedule(store: Store, dues: list[float], per_phone: int = 1, chunk: int = 500,
             first_phone: int = 0, channel: Channel = "sms") -> dict[str, float]:
    """Schedule one reminder per due time, as the web process would (Store.add), made on `channel`; returns
    id -> due."""
    out: dict[str, float] = {}
    for start in range(0, len(dues), chunk):
        part = dues[start:start + chunk]
        items = [Reminder(phone=phone(first_phone + (start + i) // per_phone), message=MESSAGE, due=due, tz="UTC",
                          channel=channel)
                 for i, due in enumerate(part)]
        out.update(zip(store.add(items), part))
    return out


def deliveries(stack: Stack, since: int, expected: dict[str, float]) -> tuple[list[float], dict]:
    """Sends accepted by the fake since `since`: the lateness of each first send and the correctness counts."""
    sent = stack.fake.messages(since)
    counts = Counter(ref.split("-")[0] for ref, _ in sent)
    first: dict[str, float] = {}
    for ref, at in sent:
        rid = ref.split("-")[0]
        first[rid] = min(at, first.get(rid, math.inf))
    lateness = [first[rid] - due for rid, due in expected.items() if rid in first]
    check = {"lost": sum(1 for rid in expected if rid not in first),
             "duplicates": sum(n - 1 for rid, n in counts.items() if rid in expected and n > 1),
             "early": sum(1 for x in lateness if x < -0.001)}
    return lateness, check | {"received_at": sorted(at for ref, at in sent)}


def redis_usage(client) -> dict:
    """Redis's own CPU (INFO cpu) and commands run (INFO commandstats, EVALSHA counted as one), for per-operation
    figures: subtract two of these."""
    cpu = client.info("cpu")
    calls = sum(int(v["calls"]) for v in client.info("commandstats").values())
    return {"cpu": float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"]), "calls": calls,
            "memory": int(client.info("memory")["used_memory"])}


def per(before: dict, after: dict, count: int) -> dict:
    """Redis CPU (ms), commands and memory (B) per operation between two `redis_usage` snapshots."""
    return {"redis_cpu_ms": (after["cpu"] - before["cpu"]) / count * 1000,
            "redis_calls": (after["calls"] - before["calls"]) / count,
            "redis_bytes": (after["memory"] - before["memory"]) / count}


def wait_sent(stack: Stack, since: int, count: int, timeout: float) -> None:
    got = stack.fake.wait_for(since + count, timeout)
    if got < since + count:
        raise RuntimeError(f"only {got - since} of {count} sends arrived within {timeout:.0f} s")


# --- punctuality ----------------------------------------------------------------------------------------------

def punctuality(stack: Stack, count: int, spread: float, workers: int = 1) -> dict:
    """`count` reminders at random times over `spread` seconds, scheduled ahead; lateness = received − due."""
    store = Store(stack.client())
    if len(stack.workers) != workers:
        stack.stop_workers()
        for _ in range(workers):
            stack.start_worker(SMS_RATE_LIMIT="0")
    since = stack.fake.stats()["messages"]
    start = time.time() + 2
    expected = schedule(store, [start + random.uniform(0, spread) for _ in range(count)])
    wait_sent(stack, since, count, spread + 60)
    time.sleep(0.5)
    lateness, check = deliveries(stack, since, expected)
    return {"p50_ms": pct(lateness, 0.5) * 1000, "p99_ms": pct(lateness, 0.99) * 1000,
            "max_ms": max(lateness) * 1000, "count": count, "spread_s": spread, "lost": check["lost"],
            "duplicates": check["duplicates"], "early": check["early"]}


# --- burst ----------------------------------------------------------------------------------------------------

def burst(stack: Stack, count: int, workers: int, **worker_env: str) -> dict:
    """`count` reminders due at the same whole second, no rate limit: time from due to the last send."""
    store = Store(stack.client())
    stack.stop_workers()
    for _ in range(workers):
        stack.start_worker(SMS_RATE_LIMIT="0", **worker_env)
    since = stack.fake.stats()["messages"]
    due = float(math.ceil(time.time()) + 6)  # scheduling 10,000 takes 1-4 s on a busy shared machine
    client = stack.client()
    created = redis_usage(client)
    expected = schedule(store, [due] * count)
    cpu_before, usage = sum(w.cpu() for w in stack.workers), redis_usage(client)
    if time.time() > due - 0.5:
        raise RuntimeError("scheduling the burst took too long")
    wait_sent(stack, since, count, 600)
    cpu = sum(w.cpu() for w in stack.workers) - cpu_before
    sent = per(usage, redis_usage(client), count)
    time.sleep(0.5)
    lateness, check = deliveries(stack, since, expected)
    stack.stop_workers()
    drain = max(lateness)
    return {"drain_s": drain, "sms_per_s": count / drain, "first_ms": min(lateness) * 1000,
            "worker_cpu_ms_per_sms": cpu / count * 1000, "cpu_bound_sms_per_s": count / cpu,
            "per_sms": sent, "per_add": per(created, usage, count),
            "p50_lateness_s": pct(lateness, 0.5), "count": count, "workers": workers, "lost": check["lost"],
            "duplicates": check["duplicates"], "early": check["early"]}


# --- rate cap -------------------------------------------------------------------------------------------------

def rate_cap(stack: Stack, count: int, rate: int = 30, workers: int = 2) -> dict:
    """SMS_RATE_LIMIT=rate across `workers` workers: the busiest one-second window at the fake's end."""
    store = Store(stack.client())
    stack.stop_workers()
    for _ in range(workers):
        stack.start_worker(SMS_RATE_LIMIT=str(rate))
    since = stack.fake.stats()["messages"]
    due = time.time() + 1.5
    expected = schedule(store, [due] * count)
    wait_sent(stack, since, count, count / rate * 3 + 30)
    time.sleep(0.5)
    _, check = deliveries(stack, since, expected)
    times = check["received_at"]
    stack.stop_workers()
    busiest = max(sum(1 for t in times[i:i + rate * 3] if t < start + 1.0) for i, start in enumerate(times))
    # also every window ending at a send, so no window shape is missed
    busiest_end = max(sum(1 for t in times[max(0, i - rate * 3):i + 1] if t > end - 1.0) for i, end in enumerate(times))
    return {"busiest_1s": max(busiest, busiest_end), "limit": rate,
            "mean_rate": (len(times) - 1) / (times[-1] - times[0]),
            "count": count, "workers": workers, "lost": check["lost"], "duplicates": check["duplicates"]}


# --- inbound --------------------------------------------------------------------------------------------------

TEXTS = ["gym tomorrow 7am", "call mom in 2 hours", "dentist on friday at 3pm", "pay rent tomorrow at noon",
         "stretch in 45 minutes", "water the plants at 6pm", "team call monday 10am", "pick up kids at 3:30pm"]


def signed_bodies(count: int, secret: str, first_phone: int) -> list[str]:
    """Inbound-SMS webhooks as Vonage signs them (the SDK's own signer), each from its own number and messageId."""
    from urllib.parse import urlencode

    from vonage import Auth

    signer = Auth(api_key="bench-key", signature_secret=secret, signature_method="sha256")
    stamp = str(int(time.time()))
    bodies = []
    for i in range(count):
        text = TEXTS[i % len(TEXTS)]
        params = {"msisdn": str(14152000000 + first_phone + i), "to": "447700900000",
                  "messageId": f"B{uuid.uuid4().hex[:15].upper()}", "text": text, "type": "text",
                  "keyword": text.split(" ")[0].upper(), "api-key": "bench-key", "timestamp": stamp,
                  "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}
        params["sig"] = signer.sign_params(dict(params))
        bodies.append(urlencode(params))
    return bodies


def wrk_run(url: str, bodies_file: str, rate: int, duration: int, threads: int, connections: int) -> dict:
    """One wrk run; returns its requests/s, latency percentiles, errors and its own CPU use."""
    import os
    import re
    import resource
    import subprocess
    from pathlib import Path

    script = Path(__file__).with_name("inbound.lua")
    env = {**os.environ, "BENCH_BODIES": bodies_file, "BENCH_RATE": str(rate), "BENCH_THREADS": str(threads)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency",
                          "-s", str(script), url], env=env, capture_output=True, text=True, timeout=duration + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    text = out.stdout
    if out.returncode != 0 or "Requests/sec" not in text:
        raise RuntimeError(f"wrk failed:\n{out.stdout}\n{out.stderr}")

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)] if m else float("nan")

    total = int(re.search(r"(\d+) requests in", text).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)), "requests": total,
            "p50_ms": ms("50%"), "p90_ms": ms("90%"), "p99_ms": ms("99%"),
            "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
            "wrk_cpu_cores": cpu / duration, "raw": text}


def inbound(stack: Stack, rate: int, duration: int, threads: int = 2, connections: int = 32) -> dict:
    """Signed webhooks through gunicorn (the Procfile's web line): paced at `rate`/s, then as fast as possible."""
    import tempfile

    from .procs import SIGNATURE_SECRET

    web = stack.web or stack.start_web()
    client = stack.client()
    out: dict = {}
    for label, pace in (("steady", rate), ("max", 0)):
        count = int((pace or 2000) * duration * 1.2) + 500
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("\n".join(signed_bodies(count, SIGNATURE_SECRET, first_phone=int(time.time() * 1000) % 10**6 * 10))
                    + "\n")
        pending_before = client.zcard("rmd:due")
        cpu_before, usage = web.cpu(), redis_usage(client)
        result = wrk_run(web.url, f.name, pace, duration, threads, connections)
        result["web_cpu_ms_per_inbound"] = (web.cpu() - cpu_before) / result["requests"] * 1000
        result["per_inbound"] = per(usage, redis_usage(client), result["requests"])
        result["reminders_scheduled"] = client.zcard("rmd:due") - pending_before
        result["raw"] = result["raw"][-1500:]
        out[label] = result
    return out


# --- memory ---------------------------------------------------------------------------------------------------

def _used(client) -> int:
    return int(client.info("memory")["used_memory"])


def memory(count: int, per_phone: int, rq_count: int, channel: Channel = "sms") -> dict:
    """Redis bytes per pending reminder (Store.add, 20-character text, made on `channel`) and per rq job
    (Queue.enqueue_at)."""
    from datetime import datetime, timedelta

    from rq import Queue

    from tests.support.redis_server import RedisServer

    out: dict = {"count": count, "per_phone": per_phone}
    with RedisServer() as server:
        client = server.client()
        store = Store(client)
        schedule(store, [time.time() + 86400 * 30], first_phone=10**7)  # creates the keys themselves first
        base = _used(client)
        start = time.time() + 86400
        schedule(store, [start + random.uniform(0, 86400 * 7) for _ in range(count)], per_phone=per_phone,
                 channel=channel)
        out["bytes_per_reminder"] = (_used(client) - base) / count
        # where the bytes go: the shared structures, and a sample of the per-number index keys
        buckets = [k.decode() for k in client.scan_iter("rmd:data:*", count=1000)]
        out["breakdown"] = {"due": int(client.memory_usage("rmd:due", samples=0) or 0) / count,
                            "data:<bucket>": sum(int(client.memory_usage(k, samples=0) or 0) for k in buckets) / count}
        index = [k.decode() for k in client.scan_iter("rmd:pidx:*", count=1000)]
        out["breakdown"]["pidx:<n>"] = sum(int(client.memory_usage(k, samples=0) or 0) for k in index) / count
        out["encodings"] = {"due": client.object("encoding", "rmd:due"),
                            "data:<bucket>": client.object("encoding", buckets[len(buckets) // 2]),
                            "pidx:<n>": client.object("encoding", index[len(index) // 2])}
        out["record_bytes"] = statistics.mean(len(client.hget(store.data_key(str(i)), str(i)) or b"")
                                              for i in range(2, 200))
    with RedisServer() as server:
        client = server.client()
        queue = Queue("reminders", connection=client)
        when = datetime.now(UTC) + timedelta(days=1)
        queue.enqueue_at(when, "app.delivery.senders.send_sms", phone(0), MESSAGE)
        base = _used(client)
        for i in range(rq_count):
            queue.enqueue_at(when + timedelta(seconds=i), "app.delivery.senders.send_sms", phone(i), MESSAGE)
        out["rq_bytes_per_job"] = (_used(client) - base) / rq_count
    out["rq_ratio"] = out["rq_bytes_per_job"] / out["bytes_per_reminder"]
    return out


# --- scale ----------------------------------------------------------------------------------------------------

PRELOAD = """
local first = tonumber(redis.call('GET', KEYS[3]) or '0')
for i = 1, tonumber(ARGV[1]) do
  local id = first + i
  local score = tonumber(ARGV[2]) + (id % 604800)
  redis.call('HSET', KEYS[2] .. math.floor(id / 100), id, ARGV[3])
  redis.call('ZADD', KEYS[1], score, id)
  local phone = 10000000 + math.floor(id / 10)  -- ten per number, in its index bucket as PhoneIndex keeps it
  local bucket, field = ARGV[4] .. (phone % tonumber(ARGV[5])), tostring(phone)
  local ids = redis.call('HGET', bucket, field)
  redis.call('HSET', bucket, field, ids and (ids .. ',' .. id) or tostring(id))
end
redis.call('SET', KEYS[3], first + tonumber(ARGV[1]))
return first + tonumber(ARGV[1])
"""


def preload(client, count: int, chunk: int = 20000) -> float:
    """`count` pending reminders a month or more ahead, written server-side in chunks; returns seconds taken."""
    started = time.time()
    record = Reminder(phone=phone(0), message=MESSAGE, due=time.time() + 86400 * 30, tz="UTC").record()
    script = client.register_script(PRELOAD)
    done = 0
    while done < count:
        n = min(chunk, count - done)
        script(keys=["rmd:due", "rmd:data:", "rmd:seq"],
               args=[n, time.time() + 86400 * 30, record, "rmd:pidx:", BUCKETS])
        done += n
    return time.time() - started


def scale(stack: Stack, backlog: int, samples: int, spread: float, count: int) -> dict:
    """Add and claim latency, and punctuality, with `backlog` pending reminders far ahead in Redis."""
    client = stack.client()
    store = Store(client)
    stack.stop_workers()
    client.flushall()
    took = preload(client, backlog)
    far = time.time() + 86400 * 10
    adds = []
    for i in range(samples):
        item = [Reminder(phone=phone(5_000_000 + i), message=MESSAGE, due=far + i, tz="UTC")]
        t = time.perf_counter()
        store.add(item)
        adds.append(time.perf_counter() - t)
    claims = []
    for _ in range(max(5, samples // 50)):
        due = time.time() - 1
        schedule(store, [due] * 50, first_phone=6_000_000)
        token = uuid.uuid4().hex
        t = time.perf_counter()
        ids = store.claim(time.time(), time.time() + 60, 50, token)
        claims.append(time.perf_counter() - t)
        for rid in ids:
            rem = store.begin(rid, token, time.time() + 60)
            store.finish(rem, token, "cancelled")
    stack.start_worker(SMS_RATE_LIMIT="0")
    late = punctuality(stack, count, spread, workers=1)
    stack.stop_workers()
    return {"backlog": backlog, "pending": store.pending_count(), "preload_s": took,
            "add_p50_us": pct(adds, 0.5) * 1e6, "add_p99_us": pct(adds, 0.99) * 1e6,
            "claim50_p50_us": pct(claims, 0.5) * 1e6, "claim50_p99_us": pct(claims, 0.99) * 1e6,
            "late_p50_ms": late["p50_ms"], "late_p99_ms": late["p99_ms"], "lost": late["lost"],
            "duplicates": late["duplicates"], "used_memory_mb": _used(client) / 2**20}


# --- memory through the API -------------------------------------------------------------------------------------

def api_memory(count: int, per_phone: int) -> dict:
    """Redis bytes per pending reminder made through `POST /api/reminders` (the app in this process, Flask's test
    client, a fresh Redis): everything the API leaves behind, by key family; flask-limiter's moving-window counters
    expire a minute later and are reported apart."""
    from datetime import datetime, timedelta

    from app import create_app
    from tests.support.redis_server import RedisServer

    with RedisServer() as server:
        client = server.client()
        app = create_app({"REDIS_URL": server.url, "API_TOKEN": "bench-token", "LOG_LEVEL": "WARNING",
                          "API_RATE_PER_NUMBER": "100000/minute", "API_RATE_PER_TOKEN": "10000000/minute",
                          "DEFAULT_TIMEZONE": "UTC", "SIMULATOR": "off"})
        web = app.test_client()
        headers = {"Authorization": "Bearer bench-token"}
        start = datetime.now(UTC) + timedelta(days=1)

        def post(i: int, first_phone: int = 0) -> None:
            when = start + timedelta(seconds=random.uniform(0, 86400 * 7))
            answer = web.post("/api/reminders", headers=headers, json={
                "phone_number": "+" + phone(first_phone + i // per_phone), "message": MESSAGE,
                "remind_when": when.isoformat(timespec="milliseconds")})
            if answer.status_code != 201:
                raise RuntimeError(f"POST /api/reminders answered {answer.status_code}: {answer.get_data(True)}")

        post(0, first_phone=10**7)  # the keys every reminder shares exist before the baseline
        base = redis_usage(client)
        cpu = time.process_time()
        for i in range(count):
            post(i)
        cpu = time.process_time() - cpu
        after = redis_usage(client)
        families: Counter[str] = Counter()
        limiter = 0
        for key in client.scan_iter(count=1000):
            name = key.decode()
            size = int(client.memory_usage(key, samples=0) or 0)
            families[":".join(name.split(":")[:2])] += size
            if "limits" in name:
                limiter += size
                client.delete(key)
        steady = redis_usage(client)
    return {"count": count, "per_phone": per_phone, "bytes_per_reminder": (steady["memory"] - base["memory"]) / count,
            "limiter_bytes_per_reminder": limiter / count, "app_cpu_ms_per_request": cpu / count * 1000,
            "per_create": per(base, after, count),
            "families": {k: round(v / count, 1) for k, v in families.most_common(12)}}
