-- Claims due entries for one delivery job: each gets a lease (its score moves to the lease's end, so it becomes
-- due again if the job's worker dies) and the job's token (so only that job may settle it).
-- KEYS[1] due zset, KEYS[2] data hash, KEYS[3] claims hash. ARGV[1] now, ARGV[2] lease end, ARGV[3] limit, ARGV[4] token.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local claimed = {}
for _, id in ipairs(ids) do
  if redis.call('HEXISTS', KEYS[2], id) == 1 then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    redis.call('HSET', KEYS[3], id, ARGV[4])
    claimed[#claimed + 1] = id
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return claimed
