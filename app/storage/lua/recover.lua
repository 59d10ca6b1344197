-- After a failover: entries still claimed by delivery jobs that the new primary does not know (the job's enqueue,
-- or its end, was lost with the old primary) are made due now instead of waiting out their lease. The claim is
-- dropped only if the same token still holds it, so a job claimed afresh meanwhile keeps its entries.
-- KEYS[1] due zset, KEYS[2] claims hash. ARGV[1] now, then pairs of id, token. Returns how many were recovered.
local recovered = 0
for i = 2, #ARGV, 2 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[2], ARGV[i])
    recovered = recovered + redis.call('ZADD', KEYS[1], 'XX', 'CH', ARGV[1], ARGV[i])
  end
end
return recovered
