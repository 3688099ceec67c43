-- Remove an agent that holds no live reservation.
-- KEYS (the agent's {agent:<id>} slot): 1 agent state hash, 2 set of live reservation ids
-- ARGV: 1 agent events channel, 2 agent id
-- Returns 'ok', 'unknown' or 'busy'
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end
if redis.call('SCARD', KEYS[2]) > 0 then return 'busy' end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 'ok'
