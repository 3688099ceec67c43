-- Library, prepended to the scripts that open a contact record (contact_open, contact_submit).
-- key: the contact record hash; the caller has checked that it does not exist.
local function open_record(key, payload, queue, state, rid, agent_id, now, ttl)
  redis.call('HSET', key, 'payload', payload, 'queue', queue, 'state', state, 'rid', rid, 'agent', agent_id,
    'excluded', '', 'created_at', now, 'updated_at', now)
  redis.call('EXPIRE', key, ttl)
end
