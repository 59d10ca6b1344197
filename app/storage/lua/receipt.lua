-- Records one delivery receipt (for one part of one occurrence of a reminder) and works out the reminder's verdict,
-- so that receipts arriving late, repeated or out of order never corrupt it.
-- KEYS[1] the receipt's replay key, KEYS[2] the reminder's verdict, KEYS[3] the occurrence's parts (hash part id ->
-- [state, code]), KEYS[4] how many parts the occurrence was sent in (absent: 1).
-- ARGV[1] the occurrence (its due time, from the client-ref), ARGV[2] part id, ARGV[3] state, ARGV[4] code ('' = none),
-- ARGV[5] now, ARGV[6] ttl seconds.
-- Returns false for a receipt seen before, else the verdict: 'submitted' until every part is delivered
-- ('delivered') or one part failed ('failed' / 'rejected'). A verdict is never replaced by a receipt for an older
-- occurrence, nor by a later 'submitted'; a part's first final state stays (Vonage sends one per part).
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[6]) then return false end
local occurrence = tonumber(ARGV[1])
local known = redis.call('GET', KEYS[2])
known = known and cjson.decode(known)
if known and (known.occ or 0) > occurrence then return known.state end
local before = redis.call('HGET', KEYS[3], ARGV[2])
if not before or cjson.decode(before)[1] == 'submitted' then
  redis.call('HSET', KEYS[3], ARGV[2], cjson.encode({ARGV[3], ARGV[4]}))
  redis.call('EXPIRE', KEYS[3], ARGV[6])
end
local expected = tonumber(redis.call('GET', KEYS[4]) or '1')
local state, code, delivered = 'submitted', ARGV[4], 0
for _, raw in ipairs(redis.call('HVALS', KEYS[3])) do
  local part = cjson.decode(raw)
  if part[1] == 'delivered' then
    delivered = delivered + 1
  elseif part[1] ~= 'submitted' and state == 'submitted' then
    state, code = part[1], part[2]
  end
end
if state == 'submitted' and delivered >= expected then state = 'delivered' end
if state == 'submitted' and known and known.occ == occurrence and known.state ~= 'submitted' then
  return known.state
end
redis.call('SET', KEYS[2], cjson.encode({state = state, code = code ~= '' and code or cjson.null,
                                         at = tonumber(ARGV[5]), occ = occurrence}), 'EX', ARGV[6])
return state
