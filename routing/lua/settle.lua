-- Settle a reservation: accept, reject, cancel, expire or complete it. Every outcome but accept frees
-- the slot. An accept or reject arriving after the deadline settles as an expiry (a miss).
-- KEYS (one hash slot, the agent's {agent:<id>} tag):
--   1 agent state hash, 2 reservation hash, 3 set of the agent's live reservation ids
-- ARGV: 1 action, 2 reservation id, 3 now, 4 misses before the agent is set away (0 = never),
--       5 seconds to keep a settled reservation, 6 agent events channel, 7 agent id
-- Returns {'ok', contact, queue, channel, 0}, {'expired', contact, queue, channel, set_away (0/1)},
--   {'conflict', state}, {'not_due'} or {'unknown'}
local agent, res, action, now = KEYS[1], KEYS[2], ARGV[1], ARGV[3]
local r = redis.call('HMGET', res, 'state', 'contact', 'queue', 'channel', 'expires_at')
if not r[1] then return {'unknown'} end

local function release(final)
  if redis.call('HINCRBY', agent, 'n:' .. r[4], -1) < 0 then redis.call('HSET', agent, 'n:' .. r[4], 0) end
  redis.call('HSET', agent, 'idle_since', now)
  redis.call('HINCRBY', agent, 'version', 1)
  redis.call('HSET', res, 'state', final, 'settled_at', now)
  redis.call('EXPIRE', res, ARGV[5])
  redis.call('SREM', KEYS[3], ARGV[2])
  redis.call('PUBLISH', ARGV[6], ARGV[7])
end

local function expire()
  release('expired')
  local misses = redis.call('HINCRBY', agent, 'misses', 1)
  local limit = tonumber(ARGV[4])
  if limit > 0 and misses >= limit and redis.call('HGET', agent, 'status') ~= 'away' then
    redis.call('HSET', agent, 'status', 'away', 'status_since', now)
    return {'expired', r[2], r[3], r[4], 1}
  end
  return {'expired', r[2], r[3], r[4], 0}
end

if action == 'complete' then
  if r[1] ~= 'accepted' then return {'conflict', r[1]} end
  release('completed')
  return {'ok', r[2], r[3], r[4], 0}
end
if r[1] ~= 'pending' then return {'conflict', r[1]} end
if action == 'cancel' then
  release('cancelled')
  return {'ok', r[2], r[3], r[4], 0}
end
local due = tonumber(r[5]) <= tonumber(now)
if action == 'expire' then
  if not due then return {'not_due'} end
  return expire()
end
if due then return expire() end
if action == 'accept' then
  redis.call('HSET', res, 'state', 'accepted', 'accepted_at', now)
  redis.call('HSET', agent, 'misses', 0)
  redis.call('HINCRBY', agent, 'version', 1)
  return {'ok', r[2], r[3], r[4], 0}
end
release('rejected')
return {'ok', r[2], r[3], r[4], 0}
