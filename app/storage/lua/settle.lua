-- Ends a claim: either reschedules the entry (a retry, or a recurring reminder's next occurrence) or finishes it
-- (sent, failed, cancelled), leaving a short-lived record of how it ended. Only the claim's holder may settle it;
-- an empty token settles whatever holds it (cancels).
-- KEYS[1] due, KEYS[2] the entry's data hash, KEYS[3] claims, KEYS[4] the number's index bucket, KEYS[5] done key, KEYS[6] dead-letter zset,
-- KEYS[7] the person's hash, KEYS[8] the number's history (finished reminders, newest kept).
-- ARGV[1] id, ARGV[2] token, ARGV[3] 'reschedule' | 'finish', ARGV[7] '<id>:<time>' when a reminder was just
-- delivered (what SNOOZE repeats), else '', ARGV[9] the entry's number.
--   reschedule: ARGV[4] score, ARGV[5] record json, ARGV[6] '1' to keep it in the number's index ('' = not indexed)
--   finish:     ARGV[4] final record json, ARGV[5] its ttl, ARGV[6] dead-letter score ('' = not dead),
--               ARGV[8] '1' for a reminder (kept in the number's history), '0' for a reply
local id = ARGV[1]
if ARGV[2] ~= '' then
  if redis.call('HGET', KEYS[3], id) ~= ARGV[2] then return 0 end
elseif redis.call('HEXISTS', KEYS[2], id) == 0 then
  return 0
elseif ARGV[3] == 'reschedule' and redis.call('HEXISTS', KEYS[3], id) == 1 then
  return 0  -- a change must not take an entry from the job sending it (that job's acknowledgement would fail)
end
redis.call('HDEL', KEYS[3], id)
if ARGV[7] ~= '' then redis.call('HSET', KEYS[7], 'sent', ARGV[7]) end
if ARGV[3] == 'reschedule' then
  redis.call('HSET', KEYS[2], id, ARGV[5])
  -- a number that opted out, or that cannot get texts, keeps its reminders held: stored, listed, not scheduled
  if redis.call('HEXISTS', KEYS[7], 'out') == 0 and redis.call('HEXISTS', KEYS[7], 'unreachable') == 0 then
    redis.call('ZADD', KEYS[1], ARGV[4], id)
  end
  if ARGV[6] ~= '' then index_add(KEYS[4], ARGV[9], id) end
else
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  if ARGV[8] == '1' then index_remove(KEYS[4], ARGV[9], id) end
  redis.call('SET', KEYS[5], ARGV[4], 'EX', ARGV[5])
  if ARGV[6] ~= '' then  -- dead letters: kept as long as their final record
    redis.call('ZADD', KEYS[6], ARGV[6], id)
    redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', tonumber(ARGV[6]) - tonumber(ARGV[5]))
  end
  if ARGV[8] == '1' then
    local t = redis.call('TIME')
    redis.call('ZADD', KEYS[8], t[1] + t[2] / 1000000, id)
    redis.call('ZREMRANGEBYRANK', KEYS[8], 0, -201)
    redis.call('EXPIRE', KEYS[8], ARGV[5])
  end
end
return 1
