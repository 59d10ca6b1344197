-- Forget a number nobody needs remembered (people.py's People.forget_idle): nothing unsent, and no text since the
-- cutoff. An opted-out number keeps only its opt-out (the law needs it); anything else goes.
-- KEYS[1] person:<phone>, KEYS[2] h:<phone> (its finished reminders), KEYS[3] its index bucket, KEYS[4] unreachable,
-- KEYS[5] capped, KEYS[6] feedof:<phone> and KEYS[7] feedused:<phone> (its calendar feed: feeds.py). ARGV[1] the phone, ARGV[2] the cutoff (epoch
-- seconds), ARGV[3] now, ARGV[4] the key prefix (its feed token's key is named by the hash KEYS[6] holds).
-- Returns 1 when the number was forgotten (or cut down to its opt-out), else 0.
local unsent = redis.call('HGET', KEYS[3], ARGV[1])
if unsent and unsent ~= '' then return 0 end
local seen = redis.call('HGET', KEYS[1], 'seen')
if not seen then
  -- a record from before texts were stamped: its clock starts now
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'seen', ARGV[3]) end
  return 0
end
if tonumber(seen) >= tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
local feed = redis.call('GET', KEYS[6])
if feed then redis.call('DEL', ARGV[4] .. 'feed:' .. feed, KEYS[6], KEYS[7]) end
local out = redis.call('HMGET', KEYS[1], 'out', 'outseq', 'outdone')
redis.call('DEL', KEYS[1])
if out[1] then
  redis.call('HSET', KEYS[1], 'out', out[1], 'seen', seen)
  if out[2] then redis.call('HSET', KEYS[1], 'outseq', out[2]) end
  if out[3] then redis.call('HSET', KEYS[1], 'outdone', out[3]) end
end
return 1
