-- Keeps one part of a long inbound SMS until every part is in.
-- KEYS[1] the message's parts hash. ARGV[1] part number, ARGV[2] part json, ARGV[3] total, ARGV[4] ttl.
-- Returns {'first'} for the first part seen (the caller arms a give-up timer), {'wait'} for others, or
-- {'complete', timer id or '', parts...} once all are in (and marks the timer as spent, so a late arming
-- knows to disarm itself).
local fresh = redis.call('EXISTS', KEYS[1]) == 0
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
local parts = {}
for i = 1, tonumber(ARGV[3]) do
  local part = redis.call('HGET', KEYS[1], tostring(i))
  if not part then return {fresh and 'first' or 'wait'} end
  parts[i] = part
end
local timer = redis.call('HGET', KEYS[1], 'timer') or ''
redis.call('HSET', KEYS[1], 'timer', 'spent')
return {'complete', timer, unpack(parts)}
