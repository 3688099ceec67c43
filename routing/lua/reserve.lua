-- Reserve one slot of an agent for a contact (the guard itself is reserve_slot, in slot.lua).
-- KEYS (one hash slot, the agent's {agent:<id>} tag):
--   1 agent state hash, 2 reservation hash, 3 set of the agent's live reservation ids
-- ARGV: 1 reservation id, 2 contact id, 3 queue, 4 channel, 5 now, 6 expires_at,
--       7 language ('' = any), then pairs of skill name and minimum level
-- Returns {'ok', load, version} or {reason, the agent's stored hash}: unknown_agent, status, capacity,
--   language, skill, duplicate
return reserve_slot(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], 8)
