-- Move a contact record to a new state if it is in one of the expected states and, when given, holds
-- the expected reservation: the guard that lets only one worker claim a queued contact.
-- KEYS (the contact's {contact:<id>} slot): 1 contact record hash
-- ARGV: 1 expected states (space separated), 2 expected reservation id ('' = any), 3 new state,
--       4 new reservation id, 5 new agent id, 6 now, 7 seconds to keep the record,
--       8 agent id to add to the excluded list ('' = none)
-- Returns {'ok', payload, excluded}, {'conflict', state, reservation id} or {'unknown'}
local c = redis.call('HMGET', KEYS[1], 'state', 'rid', 'payload', 'excluded')
if not c[1] then return {'unknown'} end
if not string.find(' ' .. ARGV[1] .. ' ', ' ' .. c[1] .. ' ', 1, true)
    or (ARGV[2] ~= '' and ARGV[2] ~= c[2]) then
  return {'conflict', c[1], c[2]}
end
local excluded = c[4]
if ARGV[8] ~= '' then
  if excluded == '' then excluded = ARGV[8] else excluded = excluded .. ' ' .. ARGV[8] end
end
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'rid', ARGV[4], 'agent', ARGV[5], 'updated_at', ARGV[6],
  'excluded', excluded)
redis.call('EXPIRE', KEYS[1], ARGV[7])
return {'ok', c[3], excluded}
