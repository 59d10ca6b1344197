-- Each number's unsent reminders (phoneindex.py), shared by the scripts that keep them: a hash bucket per slice of
-- the numbers, field = the number, value = its reminder ids, comma-separated. Prepended to add, settle and hold.
local function index_ids(bucket, phone)
  local ids = {}
  for id in string.gmatch(redis.call('HGET', bucket, phone) or '', '[^,]+') do ids[#ids + 1] = id end
  return ids
end

local function index_add(bucket, phone, id)
  local ids = index_ids(bucket, phone)
  for _, x in ipairs(ids) do if x == id then return end end
  ids[#ids + 1] = id
  redis.call('HSET', bucket, phone, table.concat(ids, ','))
end

local function index_remove(bucket, phone, id)
  local ids, kept = index_ids(bucket, phone), {}
  for _, x in ipairs(ids) do if x ~= id then kept[#kept + 1] = x end end
  if #kept == #ids then return end
  if #kept == 0 then
    redis.call('HDEL', bucket, phone)
  else
    redis.call('HSET', bucket, phone, table.concat(kept, ','))
  end
end
