-- Moves one number's index from its own sorted set (before buckets) into its bucket (phoneindex.py).
-- KEYS[1] the old sorted set, KEYS[2] the number's bucket. ARGV[1] the number. Returns 1 if it moved, else 0.
local old = redis.call('ZRANGE', KEYS[1], 0, -1)
if #old == 0 then return 0 end
for _, id in ipairs(old) do index_add(KEYS[2], ARGV[1], id) end
redis.call('DEL', KEYS[1])
return 1
