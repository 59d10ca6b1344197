-- Reserves the next send slot under a global rate (GCRA with no burst): slots are spaced `interval` apart on
-- Redis's own clock, so every worker on every machine shares one limit.
-- KEYS[1] theoretical arrival time (microseconds). ARGV[1] interval in microseconds.
-- Returns how many microseconds the caller must wait before sending.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(tat, now)
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', math.ceil((slot + interval - now) / 1000) + 1000)
return slot - now
