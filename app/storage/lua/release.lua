-- Makes the replies an inbound text parked sendable, once its writes are on enough replicas (replication.py).
-- Only a reply still parked moves, so a webhook retried after a 503 releases each reply once.
-- KEYS[1] due zset, KEYS[2] the text's dedupe key (add.lua keeps its entries' ids there), KEYS[3] wake list.
-- ARGV[1] the parked score, ARGV[2] now. Returns how many replies were released.
local ids = redis.call('GET', KEYS[2])
if not ids then return 0 end
local released = 0
for id in string.gmatch(ids, '[^,]+') do
  if tonumber(redis.call('ZSCORE', KEYS[1], id) or '0') == tonumber(ARGV[1]) then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id)
    released = released + 1
  end
end
if released > 0 then
  redis.call('LPUSH', KEYS[3], '1')
  redis.call('LTRIM', KEYS[3], 0, 0)
end
return released
