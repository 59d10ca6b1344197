-- What a new inbound text needs first, in one call (quotas.py's Quotas.arrival): one command instead of five
-- pipelined ones, each of which cost the web process its own packing and reply parsing.
-- KEYS[1] in:<messageId> (add.lua sets it once the text is handled), KEYS[2] person:<phone>, KEYS[3] this window's
-- count of the number's texts, KEYS[4] the number's index bucket (phoneindex.py).
-- ARGV[1] the phone, ARGV[2] how long the count is kept (seconds), ARGV[3] now (the person's `seen`: retention),
-- ARGV[4] "1" for a WhatsApp message: now is also its `wa` (WhatsApp's 24-hour window opens), and a number that
-- writes on WhatsApp is a WhatsApp user that has not blocked us (`wano`, `waout` go).
-- Returns {seen (0/1), the person's hash as a flat list, texts this window counting this one, the index value}.
local texts = redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], ARGV[2])
local person = redis.call('HGETALL', KEYS[2])
redis.call('HSET', KEYS[2], 'seen', ARGV[3])
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[2], 'wa', tostring(math.floor(tonumber(ARGV[3]))))  -- whole seconds: a short field
  redis.call('HDEL', KEYS[2], 'wano', 'waout')
end
return {redis.call('EXISTS', KEYS[1]), person, texts, redis.call('HGET', KEYS[4], ARGV[1])}
