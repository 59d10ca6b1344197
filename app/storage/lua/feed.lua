-- A number's calendar feed gets a new token; the old one stops working in the same step.
-- KEYS[1] feedof:<phone> (the current token's hash), KEYS[2] feedused:<phone> (a calendar fetched it)  ARGV[1] the key prefix  ARGV[2] the new token's hash
-- ARGV[3] the phone
local old = redis.call('GET', KEYS[1])
if old then
  redis.call('DEL', ARGV[1] .. 'feed:' .. old)
end
redis.call('SET', ARGV[1] .. 'feed:' .. ARGV[2], ARGV[3])
redis.call('SET', KEYS[1], ARGV[2])
redis.call('DEL', KEYS[2])
return 1
