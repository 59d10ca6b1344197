-- A delivery job starts sending one entry: only if its token still holds the claim, and with a fresh lease, so
-- a long batch's later sends are not re-claimed from under it. Returns the record or false.
-- Nothing goes to a number that opted out since the entry was scheduled: a reminder is held, a reply dropped. The
-- one exception is the opt-out's own confirmation: the first reply newer than the opt-out's `outseq` may go, once
-- (`outdone` marks it spent; an opt-out without a confirmation sets it at once), so nothing follows it.
-- The daily budget is checked next, once the record's segments are known (spend.lua).
-- KEYS[1] due zset, KEYS[2] the entry's data hash, KEYS[3] claims hash. ARGV[1] id, ARGV[2] token, ARGV[3] lease end,
-- ARGV[4] the prefix of people's hashes (the number is read from the record).
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return false end
local rec = redis.call('HGET', KEYS[2], ARGV[1])
if not rec then  -- a schedule entry without a record can never be sent: drop it rather than re-claim it forever
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  return false
end
local ok, fields = pcall(cjson.decode, rec)
if not ok or type(fields) ~= 'table' or type(fields[1]) ~= 'string' then
  return rec  -- unreadable: the caller ends it as failed (store.py) rather than let it be claimed again
end
local person = ARGV[4] .. (string.gsub(fields[1], '^w:', ''))  -- a WhatsApp entry's number is `w:<number>`
local reply = string.sub(ARGV[1], 1, 1) == 'x'
local outseq = redis.call('HGET', person, 'outseq')
if outseq then
  if not reply or tonumber(string.sub(ARGV[1], 2)) <= tonumber(outseq)
      or redis.call('HSETNX', person, 'outdone', '1') == 0 then
    redis.call('ZREM', KEYS[1], ARGV[1])
    redis.call('HDEL', KEYS[3], ARGV[1])
    if reply then redis.call('HDEL', KEYS[2], ARGV[1]) end
    return false
  end
end
redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
return rec
