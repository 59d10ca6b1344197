-- Schedule entries whose record is gone (a Redis that evicted keys, or lost some in a crash): of the `ARGV[1]` soonest
-- entries and `ARGV[2]` more drawn at random, those with no record in their data hash. Atomic, so an entry finished
-- meanwhile (its id and record removed together by settle.lua) is never counted.
-- KEYS[1] due zset, KEYS[2] the data hashes' common prefix (as add.lua), ARGV[3] reminders per data hash.
-- Returns {entries with no record, entries looked at}.
local seen, sampled, orphans = {}, 0, 0
local soonest = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
local drawn = redis.pcall('ZRANDMEMBER', KEYS[1], tonumber(ARGV[2]))  -- Redis 6.2 and later
if drawn.err then drawn = {} end
for _, ids in ipairs({soonest, drawn}) do
  for _, id in ipairs(ids) do
    if not seen[id] then
      seen[id] = true
      sampled = sampled + 1
      local n = tonumber(id)
      local data = KEYS[2] .. 'x'
      if n then data = KEYS[2] .. math.floor(n / tonumber(ARGV[3])) end
      if redis.call('HEXISTS', data, id) == 0 then orphans = orphans + 1 end
    end
  end
end
return {orphans, sampled}
