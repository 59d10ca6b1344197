-- Takes a number's reminders off the schedule (opt-out): they stay stored and listed, but nothing is due, and
-- a job holding a claim on one can no longer send it.
-- KEYS[1] due zset, KEYS[2] claims hash, KEYS[3] the number's index bucket. ARGV[1] the number.
-- Returns how many were held.
local held = 0
for _, id in ipairs(index_ids(KEYS[3], ARGV[1])) do
  held = held + redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
end
return held
