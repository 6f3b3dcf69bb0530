import type { QueueBase } from 'bullmq';
import { bullDefaultJobOptions, PRIORITY_TIERS, PriorityTier, QueueDefinition } from '../queues/queue-definition';

/**
 * Start-time fair queueing inside each priority tier (docs/fairness.md). Each tier owns a band of
 * BullMQ priorities; a job's priority is its band's start plus its tenant's virtual start tag,
 * measured from the tier's origin. One unit of virtual time is one job of a weight-1 tenant.
 * BullMQ priorities run to 2^21 and its prioritized scores are priority * 2^32 + a counter, exact
 * in a double up to 2^53: three bands of 2^19 fit.
 */
export const BAND_WIDTH = 2 ** 19;
const TIER_INDEX: Record<PriorityTier, number> = { high: 1, normal: 2, low: 3 };
const TIER_BY_PRIORITY = new Map<number, PriorityTier>(
  (Object.entries(PRIORITY_TIERS) as [PriorityTier, number][]).map(([tier, p]) => [p, tier]),
);

export function tierIndex(tier: PriorityTier): number {
  return TIER_INDEX[tier];
}

/** The first priority of a tier's band: where a job of that tier goes when nothing else orders it (a replay, a backfill). */
export function bandStart(tier: PriorityTier): number {
  return 1 + (TIER_INDEX[tier] - 1) * BAND_WIDTH;
}

/** The tier a classic priority (1, 2, 5) or a banded one belongs to; null for 0 (unprioritized). */
export function tierOfPriority(priority: number, fair: boolean): PriorityTier | null {
  if (priority <= 0) return null;
  if (!fair)
    return TIER_BY_PRIORITY.get(priority) ?? (priority < PRIORITY_TIERS.normal ? 'high' : priority < PRIORITY_TIERS.low ? 'normal' : 'low');
  const band = Math.min(3, Math.floor((priority - 1) / BAND_WIDTH) + 1);
  return (['high', 'normal', 'low'] as const)[band - 1];
}

/**
 * The fairness keys of a queue, from the Queue object itself so that they share its hash slot
 * whatever its prefix (Redis Cluster): state (per tier: virtual time v, origin o, latest finish m)
 * and one hash per tier of tenant -> virtual finish tag.
 */
export function fairKeys(q: Pick<QueueBase, 'toKey'>) {
  return {
    state: q.toKey('fair:state'),
    tags: [1, 2, 3].map((t) => q.toKey(`fair:tags:${t}`)),
  };
}

/** Whether a queue orders its jobs by tenant within each tier: fairness on, and not a queue declared without it. */
export function isFairQueue(def: QueueDefinition, enabled: boolean): boolean {
  return enabled && def.fairOrder !== false && def.defaultJobOptions.priority !== null;
}

/**
 * The queue's default job options for BullMQ; in a fair queue the default priority is the start of
 * the default tier's band, so that a job added without JobsService (the dashboard, a script) sorts
 * with its tier rather than before every banded job.
 */
export function fairDefaultJobOptions(def: QueueDefinition, enabled: boolean) {
  const options = bullDefaultJobOptions(def);
  const classic = def.defaultJobOptions.priority;
  if (!isFairQueue(def, enabled) || classic === null) return options;
  return { ...options, priority: bandStart(tierOfPriority(classic, false)!) };
}

/**
 * The tier's virtual time now: the tag of the first job waiting in its band (monotonic), or, with
 * nothing waiting, the latest finish tag handed out, and then the origin starts again from it.
 * `skip` is a job id not to count (the job just added, still at its band's start).
 */
const VNOW = `
local W = ${BAND_WIDTH}
local SHIFT = 4294967296
local function vnow(prio, state, tier, skip)
  local base = 1 + (tier - 1) * W
  local head = redis.call('ZRANGEBYSCORE', prio, string.format('%.0f', base * SHIFT),
    '(' .. string.format('%.0f', (base + W) * SHIFT), 'WITHSCORES', 'LIMIT', 0, 2)
  local st = redis.call('HMGET', state, 'v' .. tier, 'o' .. tier, 'm' .. tier)
  local v, o, m = tonumber(st[1]) or 0, tonumber(st[2]) or 0, tonumber(st[3]) or 0
  local v0, o0 = v, o
  local found = false
  for i = 1, #head, 2 do
    if head[i] ~= skip then
      local hv = o + math.floor(tonumber(head[i + 1]) / SHIFT) - base
      if hv > v then v = hv end
      found = true
      break
    end
  end
  if not found then
    if m > v then v = m end
    o = v
  end
  if v ~= v0 or o ~= o0 then redis.call('HSET', state, 'v' .. tier, v, 'o' .. tier, o) end
  return v, o, m
end
local function pendingOf(prio, state, tagKeys, org, weight)
  local n = 0
  for tier = 1, 3 do
    local f = tonumber(redis.call('HGET', tagKeys[tier], org))
    if f then
      local v = vnow(prio, state, tier, '')
      if f > v then n = n + math.ceil((f - v) * weight - 1e-6) end
    end
  end
  return n
end
`;

/**
 * Before the add, in the same MULTI. KEYS: id, id-guard, prioritized, fair:state, fair:tags:1..3.
 * ARGV: deadline (Redis time, ms), organization, weight, most pending jobs (0: no cap).
 * Late, or the tenant at its cap: saves the job-id counter and makes it a non-number, so the add
 * that follows fails at its INCR having written nothing (FAIR_TAG puts it back).
 * Answers {0, pending}, {1, ms late} or {2, pending}.
 */
export const FAIR_ADMIT = `${VNOW}
local t = redis.call('TIME')
local late = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[1])
local code, value = 0, 0
if late > 0 then
  code, value = 1, late
else
  local cap = tonumber(ARGV[4])
  if cap > 0 then
    value = pendingOf(KEYS[3], KEYS[4], {KEYS[5], KEYS[6], KEYS[7]}, ARGV[2], tonumber(ARGV[3]))
    if value >= cap then code = 2 end
  end
end
if code ~= 0 then
  redis.call('SET', KEYS[2], redis.call('GET', KEYS[1]) or '')
  redis.call('SET', KEYS[1], 'late')
end
return {code, value}`;

/**
 * After the add, in the same MULTI. KEYS: id, id-guard, prioritized, delayed, fair:state,
 * fair:tags:<tier>, the queue's key prefix. ARGV: job id ('' when BullMQ numbers it), organization,
 * weight, tier (1..3). Puts back what FAIR_ADMIT saved, if it refused; otherwise gives the job just
 * added its tag: start = max(virtual time, the tenant's last finish), finish = start + 1/weight.
 * A job that already had a tag (an idempotent repeat) is left as it is. Answers the priority, or 0.
 */
export const FAIR_TAG = `${VNOW}
local saved = redis.call('GET', KEYS[2])
if saved then
  if saved == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], saved) end
  redis.call('DEL', KEYS[2])
  return 0
end
local id = ARGV[1]
if id == '' then id = redis.call('GET', KEYS[1]) end
if not id then return 0 end
local jobKey = KEYS[7] .. id
if redis.call('HEXISTS', jobKey, 'fvt') == 1 then return 0 end
local score = redis.call('ZSCORE', KEYS[3], id)
if not score and not redis.call('ZSCORE', KEYS[4], id) then return 0 end
local tier = tonumber(ARGV[4])
local v, o, m = vnow(KEYS[3], KEYS[5], tier, id)
local f = tonumber(redis.call('HGET', KEYS[6], ARGV[2])) or 0
local s = math.max(v, f)
local fin = s + 1 / tonumber(ARGV[3])
redis.call('HSET', KEYS[6], ARGV[2], fin)
if fin > m then redis.call('HSET', KEYS[5], 'm' .. tier, fin) end
local off = math.floor(s - o + 1e-9)
if off > W - 1 then off = W - 1 end
if off < 0 then off = 0 end
local p = 1 + (tier - 1) * W + off
redis.call('HSET', jobKey, 'priority', p, 'fvt', s)
if score then
  redis.call('ZADD', KEYS[3], string.format('%.0f', p * SHIFT + tonumber(score) % SHIFT), id)
end
return p`;

/**
 * The pending jobs of one tenant (all tiers), without adding anything: for writes that stage jobs
 * in the outbox. KEYS: prioritized, fair:state, fair:tags:1..3. ARGV: organization, weight.
 */
export const FAIR_PENDING = `${VNOW}
return pendingOf(KEYS[1], KEYS[2], {KEYS[3], KEYS[4], KEYS[5]}, ARGV[1], tonumber(ARGV[2]))`;

/**
 * Every tenant's pending jobs in a queue, for the metrics and the console: {org, pending, ...}
 * for tenants with any, dropping tags that no longer order anything. KEYS: prioritized, fair:state, fair:tags:1..3. ARGV: org, weight pairs
 * for tenants whose weight is not 1.
 */
export const FAIR_PENDING_ALL = `${VNOW}
local weights = {}
for i = 1, #ARGV, 2 do weights[ARGV[i]] = tonumber(ARGV[i + 1]) end
local vs = {}
for tier = 1, 3 do vs[tier] = vnow(KEYS[1], KEYS[2], tier, '') end
local totals = {}
local order = {}
for tier = 1, 3 do
  local all = redis.call('HGETALL', KEYS[2 + tier])
  for i = 1, #all, 2 do
    local org, f = all[i], tonumber(all[i + 1])
    if f > vs[tier] then
      local n = math.ceil((f - vs[tier]) * (weights[org] or 1) - 1e-6)
      if not totals[org] then totals[org] = 0; order[#order + 1] = org end
      totals[org] = totals[org] + n
    else
      -- At or behind the virtual time, a finish tag orders nothing: max(v, f) is v.
      redis.call('HDEL', KEYS[2 + tier], org)
    end
  end
end
local out = {}
for _, org in ipairs(order) do
  if totals[org] > 0 then out[#out + 1] = org; out[#out + 1] = totals[org] end
end
return out`;
