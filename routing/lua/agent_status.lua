-- Set an agent's status. Becoming (or confirming) available forgives its misses; becoming available
-- also restarts its idle time.
-- KEYS (the agent's {agent:<id>} slot): 1 agent state hash
-- ARGV: 1 status, 2 now, 3 agent events channel, 4 agent id
-- Returns {'ok', changed (0/1)} or {'unknown'}
local agent = KEYS[1]
local old = redis.call('HGET', agent, 'status')
if not old then return {'unknown'} end
if old == ARGV[1] then
  if old == 'available' then redis.call('HSET', agent, 'misses', 0) end
  return {'ok', 0}
end
redis.call('HSET', agent, 'status', ARGV[1], 'status_since', ARGV[2])
if ARGV[1] == 'available' then redis.call('HSET', agent, 'idle_since', ARGV[2], 'misses', 0) end
redis.call('HINCRBY', agent, 'version', 1)
redis.call('PUBLISH', ARGV[3], ARGV[4])
return {'ok', 1}
