-- Reserve one slot of an agent for a contact: the capacity guard of the whole router.
-- Re-checks status, channel capacity, language and skill levels against the stored truth, then takes
-- the slot, so two workers acting on stale mirrors can never put an agent over capacity.
-- KEYS (one hash slot, the agent's {agent:<id>} tag):
--   1 agent state hash, 2 reservation hash, 3 set of the agent's live reservation ids
-- ARGV: 1 reservation id, 2 contact id, 3 queue, 4 channel, 5 now, 6 expires_at,
--       7 language ('' = any), then pairs of skill name and minimum level
-- Returns {'ok', load, version} or {reason}: unknown_agent, status, capacity, language, skill, duplicate
local agent, channel = KEYS[1], ARGV[4]
local head = redis.call('HMGET', agent, 'status', 'c:' .. channel, 'n:' .. channel)
if not head[1] then return {'unknown_agent'} end
if head[1] ~= 'available' then return {'status'} end
if tonumber(head[3] or '0') >= tonumber(head[2] or '0') then return {'capacity'} end
if ARGV[7] ~= '' and redis.call('HEXISTS', agent, 'l:' .. ARGV[7]) == 0 then return {'language'} end
for i = 8, #ARGV, 2 do
  if tonumber(redis.call('HGET', agent, 's:' .. ARGV[i]) or '0') < tonumber(ARGV[i + 1]) then
    return {'skill'}
  end
end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'duplicate'} end
local load = redis.call('HINCRBY', agent, 'n:' .. channel, 1)
local version = redis.call('HINCRBY', agent, 'version', 1)
redis.call('HSET', agent, 'idle_since', ARGV[5])
redis.call('HSET', KEYS[2], 'rid', ARGV[1], 'contact', ARGV[2], 'queue', ARGV[3], 'channel', channel,
  'state', 'pending', 'created_at', ARGV[5], 'expires_at', ARGV[6])
redis.call('SADD', KEYS[3], ARGV[1])
return {'ok', load, version}
