-- Submit a contact in one atomic step: the duplicate guard, then the first decision committed, either
-- an agent's slot (reserve_slot) with the offer's expiry, or a place in the contact's queue, and the
-- decision logged (a refused slot with the reason). A duplicate changes nothing. Its keys span hash
-- tags, so it runs only on a single Redis node; a cluster takes contact_open, then reserve and
-- contact_move (two round trips).
-- KEYS: 1 contact record hash, 2 decision stream, then
--   for an offer: 3 agent state hash, 4 reservation hash, 5 agent's live reservation set, 6 expiry schedule;
--   for a wait:   3 queue's waiting set
-- ARGV: 1 contact id, 2 payload (JSON), 3 queue, 4 now, 5 seconds to keep the record, 6 decision (JSON),
--   7 decision stream cap, then
--   for an offer: 8 reservation id, 9 agent id, 10 channel, 11 expires_at, 12 language ('' = any),
--                 then pairs of skill name and minimum level;
--   for a wait:   8 score in the waiting set
-- Returns {'duplicate'}; {'ok', load, version} (offered); {'refused', reason, the agent's stored hash}
--   (the slot was not free: the record is open in state 'routing' for the next attempt); or {'queued', rank}
if redis.call('EXISTS', KEYS[1]) == 1 then return {'duplicate'} end
local id, payload, queue, now, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if #KEYS == 3 then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'd', ARGV[6])
  open_record(KEYS[1], payload, queue, 'queued', '', '', now, ttl)
  redis.call('ZADD', KEYS[3], ARGV[8], id)
  return {'queued', redis.call('ZRANK', KEYS[3], id)}
end
local rid, agent_id = ARGV[8], ARGV[9]
local reserved = reserve_slot(KEYS[3], KEYS[4], KEYS[5], rid, id, queue, ARGV[10], now, ARGV[11], ARGV[12], 13)
if reserved[1] ~= 'ok' then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'd', ARGV[6], 'refused', reserved[1])
  open_record(KEYS[1], payload, queue, 'routing', '', '', now, ttl)
  return {'refused', reserved[1], reserved[2]}
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'd', ARGV[6])
open_record(KEYS[1], payload, queue, 'offered', rid, agent_id, now, ttl)
redis.call('ZADD', KEYS[6], ARGV[11], rid)
return reserved
