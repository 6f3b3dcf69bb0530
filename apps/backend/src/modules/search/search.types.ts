import { z } from 'zod';
import { knownFieldsOnly } from '../http/validation';
import { SEARCHABLE_ENTITY_TYPES } from './sources';

export interface SearchHit {
  entityType: string;
  entityId: string;
  /** Plain text. */
  title: string;
  /** HTML-escaped text with the matches wrapped in <mark></mark>: safe to render as HTML. */
  snippet: string;
  score: number;
}

export interface SearchResult {
  total: number;
  hits: SearchHit[];
  /** Matches per entity type, over all types whatever the entityType filter. */
  facets: Record<string, number>;
}

const entityType = z.enum(SEARCHABLE_ENTITY_TYPES, { error: `must be one of ${SEARCHABLE_ENTITY_TYPES.join(', ')}` });

export function searchQuerySchema(maxQueryLength: number) {
  return knownFieldsOnly(
    {
      q: z
        .string({
          error: (i) => (i.input === undefined ? 'is required: the words or "quoted phrases" to look for' : 'must be given once, as text'),
        })
        .trim()
        .min(1, { error: 'must not be empty' })
        .max(maxQueryLength, { error: `must be at most ${maxQueryLength} characters` })
        // NUL cannot reach PostgreSQL text; other control characters are never meaningful in a query.
        // eslint-disable-next-line no-control-regex -- matching control characters is the point
        .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(s), { error: 'must not contain control characters' }),
      entityType: entityType.optional(),
      limit: z.coerce
        .number({ error: 'must be a number' })
        .int({ error: 'must be a whole number' })
        .min(1, { error: 'must be at least 1' })
        .max(50, { error: 'must be at most 50' })
        .default(10),
      offset: z.coerce
        .number({ error: 'must be a number' })
        .int({ error: 'must be a whole number' })
        .min(0, { error: 'must be at least 0' })
        .max(1_000, { error: 'must be at most 1000' })
        .default(0),
    },
    'is not a search parameter',
    'invalid query',
  );
}
export type SearchQuery = z.infer<ReturnType<typeof searchQuerySchema>>;

const entityId = z.string().trim().min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' });

export const reindexRequestSchema = knownFieldsOnly(
  { entityType: entityType.optional(), entityId: entityId.optional() },
  'is not a reindex field',
).refine((r) => r.entityId === undefined || r.entityType !== undefined, { path: ['entityType'], error: 'is required with entityId' });
export type ReindexRequest = z.infer<typeof reindexRequestSchema>;
