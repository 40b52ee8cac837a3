"""The Lua that keeps an object and its index entries in step, atomically.

The scripts name the inverted keys they touch from the stored object, so on Redis
Cluster a model's keys would need one hash slot (a {tag} in the model name). Key names
follow cacheadmin.objectcache.layout: its separators are put in where the Lua says
@INVERTED@ and @DIRECTORY@.
"""

from cacheadmin.objectcache.layout import DIRECTORY_PREFIX, INVERTED


def _with_layout(lua: str) -> str:
    return lua.replace("@INVERTED@", INVERTED).replace("@DIRECTORY@", DIRECTORY_PREFIX)


# Attribute values are spelled as layout.index_values spells them.
SPELL = """
local function spell(value)
  if type(value) == 'boolean' then return value and 'true' or 'false' end
  if type(value) == 'number' then return string.format('%d', value) end
  if type(value) == 'string' then return value end
  return nil
end
local function entries(stored, attribute)
  local out = {}
  if not stored then return out end
  local ok, object = pcall(cjson.decode, stored)
  if not ok or type(object) ~= 'table' then return out end
  local value = object[attribute]
  if type(value) == 'table' then
    for _, item in ipairs(value) do
      local spelled = spell(item)
      if spelled then out[#out + 1] = spelled end
    end
  else
    local spelled = spell(value)
    if spelled then out[#out + 1] = spelled end
  end
  return out
end
local function unindex(model, attributes, id, stored)
  for _, attribute in ipairs(attributes) do
    for _, value in ipairs(entries(stored, attribute)) do
      redis.call('SREM', model .. '@INVERTED@' .. attribute .. ':' .. value, id)
    end
  end
end
"""

# KEYS[1]: the bucket. ARGV: model, ttl, attribute count n, n attributes, then per
# object: id, payload, and per attribute a count k and k index values.
WRITE = _with_layout(
    SPELL
    + """
local model, ttl, n = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local attributes = {}
for i = 1, n do attributes[i] = ARGV[3 + i] end
local at, replaced = 4 + n, 0
while at <= #ARGV do
  local id, payload = ARGV[at], ARGV[at + 1]
  at = at + 2
  local stored = redis.call('HGET', KEYS[1], id)
  if stored then replaced = replaced + 1 end
  unindex(model, attributes, id, stored)
  for _, attribute in ipairs(attributes) do
    local count = tonumber(ARGV[at])
    at = at + 1
    for j = 1, count do
      local key = model .. '@INVERTED@' .. attribute .. ':' .. ARGV[at]
      at = at + 1
      redis.call('SADD', key, id)
      if ttl > 0 then redis.call('EXPIRE', key, ttl) end
    end
  end
  redis.call('HSET', KEYS[1], id, payload)
end
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
redis.call('SADD', '@DIRECTORY@' .. model, KEYS[1])
return replaced
"""
)

# KEYS[1]: the bucket; KEYS[2], if given, a counter to add the number dropped to (in
# the same atomic step, so a replayed drop cannot be counted twice nor lost).
# ARGV: model, attribute count n, n attributes, then the ids to drop; with no ids,
# every object of the bucket. Returns the ids that were there.
DROP = _with_layout(
    SPELL
    + """
local model, n = ARGV[1], tonumber(ARGV[2])
local attributes = {}
for i = 1, n do attributes[i] = ARGV[2 + i] end
local ids = {}
for i = 3 + n, #ARGV do ids[#ids + 1] = ARGV[i] end
if #ids == 0 then ids = redis.call('HKEYS', KEYS[1]) end
local dropped = {}
for _, id in ipairs(ids) do
  local stored = redis.call('HGET', KEYS[1], id)
  if stored then
    unindex(model, attributes, id, stored)
    redis.call('HDEL', KEYS[1], id)
    dropped[#dropped + 1] = id
  end
end
if KEYS[2] then
  redis.call('INCRBY', KEYS[2], #dropped)
  redis.call('EXPIRE', KEYS[2], 86400)
end
return dropped
"""
)
