-- Open a contact record unless one with the same id exists (the duplicate-contact guard).
-- KEYS (the contact's {contact:<id>} slot): 1 contact record hash
-- ARGV: 1 contact payload (JSON), 2 queue, 3 state, 4 now, 5 seconds to keep the record
-- Returns 1 when opened, 0 for a duplicate
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'payload', ARGV[1], 'queue', ARGV[2], 'state', ARGV[3], 'rid', '', 'agent', '',
  'excluded', '', 'created_at', ARGV[4], 'updated_at', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
