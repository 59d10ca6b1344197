-- Adds reminders and replies in one step, once per inbound message.
-- KEYS[1] due zset, KEYS[2] the data hashes' common prefix, KEYS[3] id sequence, KEYS[4] wake list,
-- KEYS[5] inbound dedupe key, KEYS[5+i] the index bucket of item i's number (a reply's is never written), then
-- the sender's person hash and last the sender's count of reminders made this minute.
-- ARGV[1] dedupe ttl seconds ('' = no dedupe), ARGV[2] '1' to record the first reminder as the sender's last, and
-- when it was made (UNDO, corrections), ARGV[3] the most reminders the sender may make a minute ('' = no cap: the
-- count is left alone) and ARGV[4] how long the count is kept, in seconds,
-- then per item: record json, score, '1' for a reminder (indexed, id n, stored in bucket data:<n/100>) or '0' for a
-- reply (id x<n>, stored in data:x), and its number.
-- Returns the new ids, {'duplicate', ids...} when the dedupe key was already set, or {'over'} (nothing written but
-- the count) when this reminder is one more than the cap allows.
if ARGV[1] ~= '' then
  local seen = redis.call('GET', KEYS[5])
  if seen then return {'duplicate', seen} end
end
if ARGV[3] ~= '' then
  local made = redis.call('INCR', KEYS[#KEYS])
  if made == 1 then redis.call('EXPIRE', KEYS[#KEYS], ARGV[4]) end
  if made > tonumber(ARGV[3]) then return {'over'} end
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local earliest = first[2] and tonumber(first[2]) or math.huge
local ids = {}
local last = nil
for i = 1, (#ARGV - 4) / 4 do
  local rec, score, indexed, phone = ARGV[4 * i + 1], ARGV[4 * i + 2], ARGV[4 * i + 3], ARGV[4 * i + 4]
  local n = redis.call('INCR', KEYS[3])
  local id, data = 'x' .. n, KEYS[2] .. 'x'
  if indexed == '1' then id, data = tostring(n), KEYS[2] .. math.floor(n / 100) end
  redis.call('HSET', data, id, rec)
  redis.call('ZADD', KEYS[1], score, id)
  if indexed == '1' then
    index_add(KEYS[5 + i], phone, id)
    last = last or id
  end
  if tonumber(score) < earliest then earliest = -1 end
  ids[i] = id
end
if earliest == -1 then
  -- something is now due sooner than anything a sleeping worker knows of: wake one
  redis.call('LPUSH', KEYS[4], '1')
  redis.call('LTRIM', KEYS[4], 0, 0)
end
if ARGV[1] ~= '' then redis.call('SET', KEYS[5], table.concat(ids, ','), 'EX', ARGV[1]) end
if ARGV[2] == '1' and last then redis.call('HSET', KEYS[#KEYS - 1], 'last', last, 'made', redis.call('TIME')[1]) end
return ids
