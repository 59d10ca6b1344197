-- Keeps one part of a long inbound SMS until every part is in.
-- KEYS[1] the message's parts hash, KEYS[2] the number's open messages (zset: parts hash -> when it expires).
-- ARGV[1] part number, ARGV[2] part json, ARGV[3] total, ARGV[4] ttl, ARGV[5] now, ARGV[6] most open messages.
-- Returns {'full'} when the number already has that many messages waiting for parts (nothing is kept),
-- {'first'} for the first part seen (the caller arms a give-up timer), {'wait'} for others, or
-- {'complete', timer id or '', parts...} once all are in (and marks the timer as spent, so a late arming
-- knows to disarm itself).
local fresh = redis.call('EXISTS', KEYS[1]) == 0
if fresh then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[6]) then return {'full'} end
  redis.call('ZADD', KEYS[2], tonumber(ARGV[5]) + tonumber(ARGV[4]), KEYS[1])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
local parts = {}
for i = 1, tonumber(ARGV[3]) do
  local part = redis.call('HGET', KEYS[1], tostring(i))
  if not part then return {fresh and 'first' or 'wait'} end
  parts[i] = part
end
redis.call('ZREM', KEYS[2], KEYS[1])
local timer = redis.call('HGET', KEYS[1], 'timer') or ''
redis.call('HSET', KEYS[1], 'timer', 'spent')
return {'complete', timer, unpack(parts)}
