-- Library, prepended to the scripts that take an agent's slot (reserve, contact_submit, contact_route):
-- the capacity guard of the whole router, in one place.
-- Re-checks status, channel capacity, language and skill levels against the stored truth, then takes
-- the slot, so two workers acting on stale mirrors can never put an agent over capacity.
-- agent: state hash, res: reservation hash, live: set of the agent's live reservation ids;
-- ARGV[first], ARGV[first + 1], ...: pairs of skill name and minimum level.
-- Returns {'ok', load, version}, or {reason, the agent's stored hash (empty if none)} with reason one of
-- unknown_agent, status, capacity, language, skill, duplicate: a refusal means the caller's copy of the
-- agent was stale, and the hash corrects it without another round trip.
local function reserve_slot(agent, res, live, rid, contact, queue, channel, now, expires_at, language, first)
  local function refused(reason) return {reason, redis.call('HGETALL', agent)} end
  -- every field the checks and the update need, in one read: status, capacity, load, version, language
  -- flag, skill levels (the script is atomic, so the load and version written back are exact)
  local fields = {'status', 'c:' .. channel, 'n:' .. channel, 'version', 'l:' .. language}
  for i = first, #ARGV, 2 do fields[#fields + 1] = 's:' .. ARGV[i] end
  local head = redis.call('HMGET', agent, unpack(fields))
  if not head[1] then return refused('unknown_agent') end
  if head[1] ~= 'available' then return refused('status') end
  local load = tonumber(head[3] or '0')
  if load >= tonumber(head[2] or '0') then return refused('capacity') end
  if language ~= '' and not head[5] then return refused('language') end
  for i = first, #ARGV, 2 do
    if tonumber(head[6 + (i - first) / 2] or '0') < tonumber(ARGV[i + 1]) then return refused('skill') end
  end
  if redis.call('EXISTS', res) == 1 then return refused('duplicate') end
  load = load + 1
  local version = tonumber(head[4] or '0') + 1
  redis.call('HSET', agent, 'n:' .. channel, load, 'version', version, 'idle_since', now)
  redis.call('HSET', res, 'rid', rid, 'contact', contact, 'queue', queue, 'channel', channel,
    'state', 'pending', 'created_at', now, 'expires_at', expires_at)
  redis.call('SADD', live, rid)
  return {'ok', load, version}
end
