-- One API create per Idempotency-Key (idempotency.py), decided in one step so that concurrent retries agree.
-- KEYS[1] the key's record (hash: fp = the request's fingerprint, at = when it was claimed, on Redis's clock),
-- KEYS[2] the dedupe key add.lua writes, with the reminder's id, in the same step as the reminder.
-- ARGV[1] 'claim' | 'forget'.
--   claim:  ARGV[2] fingerprint, ARGV[3] seconds after which a claim with no reminder is stale (its request died),
--           ARGV[4] the record's ttl. Returns {'conflict'} (another request's key), {'replay', id}, {'in_progress'}
--           (claimed, no reminder yet), or {'new', at} (claimed now: a dedupe key left from an expired record goes).
--   forget: ARGV[2] the `at` of the claim: record and dedupe key go only if no later request took the claim over.
--           Returns 1 if forgotten, else 0.
if ARGV[1] == 'forget' then
  if redis.call('HGET', KEYS[1], 'at') ~= ARGV[2] then return 0 end
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
local time = redis.call('TIME')
local now = time[1] .. '.' .. string.format('%06d', time[2])
local held = redis.call('HMGET', KEYS[1], 'fp', 'at')
if held[1] then
  if held[1] ~= ARGV[2] then return {'conflict'} end
  local made = redis.call('GET', KEYS[2])
  if made then return {'replay', made} end
  if tonumber(now) - (tonumber(held[2]) or 0) < tonumber(ARGV[3]) then return {'in_progress'} end
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'fp', ARGV[2], 'at', now)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {'new', now}
