-- Claims due entries for one delivery job: each gets a lease (its score moves to the lease's end, so it becomes
-- due again if the job's worker dies) and the job's token (so only that job may settle it).
-- KEYS[1] due zset, KEYS[2] claims hash. ARGV[1] now, ARGV[2] lease end, ARGV[3] limit, ARGV[4] token.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], ARGV[2], id)
  redis.call('HSET', KEYS[2], id, ARGV[4])
end
return ids
