-- Create or update an agent's profile (skills, languages, groups, capacity), keeping its load, status,
-- misses and reservations. A new agent starts with the given status.
-- KEYS (the agent's {agent:<id>} slot): 1 agent state hash
-- ARGV: 1 now, 2 status of a new agent, 3 agent events channel, 4 agent id,
--       then field/value pairs: s:<skill> level, l:<language> 1, g:<group> 1, c:<channel> capacity
-- Returns {created (0/1), version}
local agent = KEYS[1]
for _, f in ipairs(redis.call('HKEYS', agent)) do
  local p = string.sub(f, 1, 2)
  if p == 's:' or p == 'l:' or p == 'g:' or p == 'c:' then redis.call('HDEL', agent, f) end
end
local created = 0
if redis.call('HEXISTS', agent, 'status') == 0 then
  redis.call('HSET', agent, 'status', ARGV[2], 'status_since', ARGV[1], 'idle_since', ARGV[1], 'misses', 0)
  created = 1
end
for i = 5, #ARGV, 2 do redis.call('HSET', agent, ARGV[i], ARGV[i + 1]) end
local version = redis.call('HINCRBY', agent, 'version', 1)
redis.call('PUBLISH', ARGV[3], ARGV[4])
return {created, version}
