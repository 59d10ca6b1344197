-- The daily budget (budget.py), checked as a begun entry is about to be sent: at most ARGV[5] SMS and ARGV[6]
-- segments (0: no such limit) to one number in any 24 hours. Every send counts, each occurrence once however often
-- it is tried (`sent:<phone>`, member '<id>:<due>/<segments>', scored by when it was begun). Past the budget a reminder
-- waits until the oldest counted send is 24 hours old, a reply is dropped, and the number is owed one notice
-- (`bnote:<phone>`, queued on `bnotify`). One SMS a day may go past the budget (`spare:<phone>`): the opt-out's
-- confirmation (its number has `outseq`: begin.lua let it through), else the notice; `spare` holds its member.
-- Returns 'ok', 'over', or false when the job no longer holds the entry.
-- KEYS[1] due zset, KEYS[2] the entry's data hash, KEYS[3] claims hash, KEYS[4] sent, KEYS[5] bnote, KEYS[6] spare,
-- KEYS[7] the person's hash, KEYS[8] capped, KEYS[9] bnotify. ARGV[1] id, ARGV[2] token, ARGV[3] '<id>:<due>',
-- ARGV[4] its segments, ARGV[5] the SMS budget, ARGV[6] the segment budget, ARGV[7] the number.
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return false end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - 86400)
local member = ARGV[3] .. '/' .. ARGV[4]
if redis.call('ZSCORE', KEYS[4], member) then return 'ok' end  -- counted when it was first tried
local counted = redis.call('ZRANGE', KEYS[4], 0, -1, 'WITHSCORES')
local texts, used = #counted / 2, 0
for i = 1, #counted, 2 do  -- a member stored before segments were counted is one
  used = used + (tonumber(string.match(counted[i], '/(%d+)$')) or 1)
end
local most_texts, most_segments = tonumber(ARGV[5]), tonumber(ARGV[6])
local within = (most_texts == 0 or texts < most_texts)
  and (most_segments == 0 or used + tonumber(ARGV[4]) <= most_segments)
local spare = redis.call('HEXISTS', KEYS[7], 'outseq') == 1 or redis.call('GET', KEYS[5]) == ARGV[1]
if not within and spare and (redis.call('SET', KEYS[6], member, 'NX', 'EX', 86400)
                             or redis.call('GET', KEYS[6]) == member) then
  return 'ok'  -- the day's one SMS past the budget (a retry of it too), kept apart from the budget's count
end
if not within then
  redis.call('HDEL', KEYS[3], ARGV[1])
  if string.sub(ARGV[1], 1, 1) == 'x' then  -- a reply: an answer hours late would only confuse
    redis.call('ZREM', KEYS[1], ARGV[1])
    redis.call('HDEL', KEYS[2], ARGV[1])
  else
    local frees = texts > 0 and tonumber(counted[2]) + 86400 or now + 86400
    redis.call('ZADD', KEYS[1], frees, ARGV[1])
  end
  redis.call('ZADD', KEYS[8], now, ARGV[7])  -- numbers at the budget: the dashboard's list
  redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', now - 86400)
  if redis.call('SET', KEYS[5], 'owed', 'NX', 'EX', 86400) then
    redis.call('RPUSH', KEYS[9], ARGV[7])
  end
  return 'over'
end
redis.call('ZADD', KEYS[4], now, member)
redis.call('EXPIRE', KEYS[4], 86400)
return 'ok'
