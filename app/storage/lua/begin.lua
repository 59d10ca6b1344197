-- A delivery job starts sending one entry: only if its token still holds the claim, and with a fresh lease, so
-- a long batch's later sends are not re-claimed from under it. Returns the record, false, or 'over' (the budget).
-- Nothing goes to a number that opted out since the entry was scheduled: a reminder is held, a reply dropped. The
-- one exception is the opt-out's own confirmation: the first reply newer than the opt-out's `outseq` may go, once
-- (`outdone` marks it spent; an opt-out without a confirmation sets it at once), so nothing follows it.
-- The daily budget (budget.py): at most ARGV[5] sends begun to one number in any 24 hours, each occurrence counted
-- once however often it is tried (`sent:<phone>`, member '<id>:<due>'). Past it a reminder waits until the oldest
-- counted send is 24 hours old, a reply is dropped, and the number is owed one notice (`bnote:<phone>`, queued on
-- `bnotify`). The opt-out's confirmation and that notice are not counted.
-- KEYS[1] due zset, KEYS[2] the entry's data hash, KEYS[3] claims hash. ARGV[1] id, ARGV[2] token, ARGV[3] lease end,
-- ARGV[4] the prefix of people's hashes (the number is read from the record), ARGV[5] the budget (0: none),
-- ARGV[6] the key prefix.
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
local phone = fields[1]
local person = ARGV[4] .. phone
local reply = string.sub(ARGV[1], 1, 1) == 'x'
local exempt = false
local outseq = redis.call('HGET', person, 'outseq')
if outseq then
  if not reply or tonumber(string.sub(ARGV[1], 2)) <= tonumber(outseq)
      or redis.call('HSETNX', person, 'outdone', '1') == 0 then
    redis.call('ZREM', KEYS[1], ARGV[1])
    redis.call('HDEL', KEYS[3], ARGV[1])
    if reply then redis.call('HDEL', KEYS[2], ARGV[1]) end
    return false
  end
  exempt = true  -- the opt-out's own confirmation
end
local limit = tonumber(ARGV[5]) or 0
local note = ARGV[6] .. 'bnote:' .. phone
if limit > 0 and not exempt and redis.call('GET', note) ~= ARGV[1] then
  local sent = ARGV[6] .. 'sent:' .. phone
  local t = redis.call('TIME')
  local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
  redis.call('ZREMRANGEBYSCORE', sent, '-inf', now - 86400)
  local member = ARGV[1] .. ':' .. tostring(fields[3])
  if not redis.call('ZSCORE', sent, member) then
    if redis.call('ZCARD', sent) >= limit then
      local oldest = redis.call('ZRANGE', sent, 0, 0, 'WITHSCORES')
      redis.call('HDEL', KEYS[3], ARGV[1])
      if reply then
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('HDEL', KEYS[2], ARGV[1])
      else
        redis.call('ZADD', KEYS[1], tonumber(oldest[2]) + 86400, ARGV[1])
      end
      redis.call('ZADD', ARGV[6] .. 'capped', now, phone)  -- numbers at the budget: the dashboard's list
      redis.call('ZREMRANGEBYSCORE', ARGV[6] .. 'capped', '-inf', now - 86400)
      if redis.call('SET', note, 'owed', 'NX', 'EX', 86400) then
        redis.call('RPUSH', ARGV[6] .. 'bnotify', phone)
      end
      return 'over'
    end
    redis.call('ZADD', sent, now, member)
    redis.call('EXPIRE', sent, 86400)
  end
end
redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
return rec
