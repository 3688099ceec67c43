-- Open a contact record unless one with the same id exists (the duplicate-contact guard).
-- KEYS (the contact's {contact:<id>} slot): 1 contact record hash
-- ARGV: 1 contact payload (JSON), 2 queue, 3 state, 4 now, 5 seconds to keep the record
-- Returns 1 when opened, 0 for a duplicate
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
open_record(KEYS[1], ARGV[1], ARGV[2], ARGV[3], '', '', ARGV[4], ARGV[5])
return 1
