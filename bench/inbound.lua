-- wrk script: POSTs pre-signed inbound-SMS webhooks, each body (its own messageId) used once, paced to a steady
-- rate per thread. Env: BENCH_BODIES (file, one form-encoded body a line), BENCH_RATE (requests/s in all, 0 =
-- as fast as possible), BENCH_THREADS (wrk's -t, to split the rate and the bodies).
local ffi = require("ffi")
ffi.cdef[[
  typedef long time_t; typedef long suseconds_t;
  struct timeval { time_t tv_sec; suseconds_t tv_usec; };
  int gettimeofday(struct timeval *tv, void *tz);
]]
local tv = ffi.new("struct timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end

local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local bodies, index, interval, next_at = {}, 0, 0, nil
function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
  local rate = tonumber(os.getenv("BENCH_RATE") or "0")
  local n = 0
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    if n % threads == id then bodies[#bodies + 1] = line end
    n = n + 1
  end
  if rate > 0 then interval = 1000 * threads / rate end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function delay()
  if interval == 0 then return 0 end
  local t = now_ms()
  if next_at == nil then next_at = t end
  next_at = next_at + interval
  local wait = next_at - interval - t
  if wait < 0 then return 0 end
  return wait
end

function request()
  index = index % #bodies + 1
  return wrk.format(nil, "/webhooks/inbound-sms", nil, bodies[index])
end
