-- Commit one routing attempt for an open contact in one atomic step: the contact must still be in the
-- expected state (and hold the expected reservation), then the agent's slot (reserve_slot), the
-- contact moved to 'offered', the offer's expiry scheduled, a queued contact taken off its queue, and
-- the decision logged. A conflict changes nothing; a refusal changes only the log (with the reason).
-- Its keys span hash tags, so it runs only on a single Redis node; a cluster takes reserve and
-- contact_move (and cancels the slot if the move loses a race).
-- KEYS: 1 contact record hash, 2 decision stream, 3 agent state hash, 4 reservation hash,
--   5 agent's live reservation set, 6 expiry schedule, 7 the contact's queue's waiting set
-- ARGV: 1 expected state, 2 expected reservation id ('' = any), 3 contact id, 4 queue, 5 now,
--   6 seconds to keep the record, 7 decision (JSON), 8 decision stream cap, 9 reservation id, 10 agent id,
--   11 channel, 12 expires_at, 13 language ('' = any), then pairs of skill name and minimum level
-- Returns {'ok', load, version}, {'refused', reason, the agent's stored hash}, {'conflict', state, rid}
--   or {'unknown'}
local c = redis.call('HMGET', KEYS[1], 'state', 'rid')
if not c[1] then return {'unknown'} end
if c[1] ~= ARGV[1] or (ARGV[2] ~= '' and ARGV[2] ~= c[2]) then return {'conflict', c[1], c[2]} end
local id, now, rid = ARGV[3], ARGV[5], ARGV[9]
local reserved = reserve_slot(KEYS[3], KEYS[4], KEYS[5], rid, id, ARGV[4], ARGV[11], now, ARGV[12], ARGV[13], 14)
if reserved[1] ~= 'ok' then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[8], '*', 'd', ARGV[7], 'refused', reserved[1])
  return {'refused', reserved[1], reserved[2]}
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[8], '*', 'd', ARGV[7])
redis.call('HSET', KEYS[1], 'state', 'offered', 'rid', rid, 'agent', ARGV[10], 'updated_at', now)
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[6], ARGV[12], rid)
if ARGV[1] == 'queued' then redis.call('ZREM', KEYS[7], id) end
return reserved
