-- A delivery job starts sending one entry: only if its token still holds the claim, and with a fresh lease, so
-- a long batch's later sends are not re-claimed from under it. Returns the record, or false.
-- KEYS[1] due zset, KEYS[2] the entry's data hash, KEYS[3] claims hash. ARGV[1] id, ARGV[2] token, ARGV[3] lease end.
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return false end
local rec = redis.call('HGET', KEYS[2], ARGV[1])
if not rec then  -- a schedule entry without a record can never be sent: drop it rather than re-claim it forever
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  return false
end
redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
return rec
