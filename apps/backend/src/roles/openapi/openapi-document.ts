import { z } from 'zod';
import { AI_PROVIDER_NAMES } from '../../config/configuration';
import { AI_RESULT_STATUSES, type AiResultItem } from '../../modules/ai/ai-results.service';
import {
  CASE_PRIORITIES,
  CASE_STATUSES,
  createCaseSchema,
  listCasesSchema,
  updateCaseSchema,
  type Case,
  type CasePage,
} from '../../modules/cases/case.types';
import type { EnqueuedJob, JobView } from '../../modules/jobs/jobs.service';
import { PRIORITY_TIERS } from '../../modules/jobs/queues';
import { AI_JOB_TYPES, httpJobName, jobNamesOf, schemaFor, WORK_QUEUES } from '../../modules/jobs/types';
import { API_PREFIX } from '../../modules/http/routes';
import { BEARER_REALM } from '../../modules/auth/jwt-auth.guard';
import { reindexRequestSchema, searchQuerySchema, type SearchResult } from '../../modules/search/search.types';

/**
 * The OpenAPI 3.1 document of the public API, built from the same zod schemas the controllers
 * parse requests with (z.toJSONSchema), so it cannot drift from what is enforced. Response
 * schemas are declared here against the TypeScript types the controllers return (`z.ZodType<Case>`),
 * so a change of those types fails to compile until the document follows. docs/openapi.json is
 * this document for the default configuration (test/openapi.test.ts keeps it current).
 */
type Json = Record<string, unknown>;

/** A request schema as JSON Schema (input side: defaults are optional). */
function jsonSchema(schema: z.ZodType, strict: boolean): Json {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  // knownFieldsOnly answers unknown fields with a 400: say so instead of zod's "anything goes".
  if (strict && out.type === 'object') out.additionalProperties = false;
  return out;
}

const iso = z.string().meta({ format: 'date-time' });
const caseSchema: z.ZodType<Case> = z.object({
  id: z.string().meta({ format: 'uuid' }),
  number: z.number().int(),
  version: z.number().int().meta({ description: 'Incremented by every write; the ETag is this number in quotes.' }),
  title: z.string(),
  description: z.string(),
  category: z.string().nullable(),
  priority: z.enum(CASE_PRIORITIES),
  status: z.enum(CASE_STATUSES),
  assigneeEmail: z.string().nullable(),
  dueAt: iso.meta({ description: 'When the case is due: from its priority, or set explicitly.' }),
  dueAtSource: z.enum(['priority', 'explicit']),
  createdAt: iso,
  updatedAt: iso,
});
const aiResultSchema: z.ZodType<AiResultItem> = z.object({
  type: z.enum(AI_JOB_TYPES),
  targetLanguage: z.string().optional(),
  status: z.enum(AI_RESULT_STATUSES),
  output: z.string().nullable(),
  provider: z.enum(AI_PROVIDER_NAMES).nullable(),
  model: z.string().nullable(),
  reason: z.string().nullable(),
  updatedAt: iso,
});
const casePageSchema: z.ZodType<CasePage> = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  items: z.array(caseSchema),
});
const jobStates = ['waiting', 'delayed', 'prioritized', 'waiting-children', 'active', 'completed', 'failed', 'unknown'] as const;
const enqueuedSchema: z.ZodType<EnqueuedJob> = z.object({
  id: z.string(),
  queue: z.enum(WORK_QUEUES),
  name: z.string(),
  state: z.enum(jobStates),
});
const jobViewSchema: z.ZodType<JobView> = z.object({
  id: z.string(),
  queue: z.enum(WORK_QUEUES),
  name: z.string(),
  state: z.enum(jobStates),
  attemptsMade: z.number().int(),
  progress: z.unknown(),
  result: z.unknown(),
  failedReason: z.string().nullable(),
  createdAt: iso,
  processedAt: iso.nullable(),
  finishedAt: iso.nullable(),
});
const searchResultSchema: z.ZodType<SearchResult> = z.object({
  total: z.number().int(),
  hits: z.array(
    z.object({
      entityType: z.string(),
      entityId: z.string(),
      title: z.string(),
      snippet: z.string().meta({ description: 'HTML-escaped, matches wrapped in <mark></mark>' }),
      score: z.number(),
    }),
  ),
  facets: z.record(z.string(), z.number().int()),
});
const errorSchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  errors: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .meta({ description: 'Field-level problems (400): the field path (e.g. title, to.0, If-Match) and what is wrong' }),
  currentVersion: z.number().int().optional().meta({ description: '412: the version the resource is at' }),
});

/** The response schemas, as components that refer to each other ($ref) instead of repeating. */
function components(): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  const named = {
    Case: caseSchema,
    CasePage: casePageSchema,
    AiResult: aiResultSchema,
    EnqueuedJob: enqueuedSchema,
    JobView: jobViewSchema,
    SearchResult: searchResultSchema,
    ErrorBody: errorSchema,
  };
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, { io: 'output', target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, Json>;
  };
  return Object.fromEntries(
    Object.keys(named).map((id) => {
      const schema = Object.fromEntries(Object.entries(out.schemas[id]).filter(([k]) => k !== '$schema' && k !== '$id'));
      return [id, schema];
    }),
  );
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const error = (description: string, headers?: Json) => ({ description, content: json(ref('ErrorBody')), ...(headers ? { headers } : {}) });
const ERRORS = {
  400: error('Invalid input: `errors` names each field'),
  401: error('No valid bearer token', {
    'WWW-Authenticate': { schema: { type: 'string' }, description: `Bearer realm="${BEARER_REALM}"` },
  }),
};
const BODY_ERRORS = { ...ERRORS, 413: error('Body larger than BODY_LIMIT'), 415: error('Body is not JSON') };
const ok = (description: string, schema: Json, headers?: Json) => ({ description, content: json(schema), ...(headers ? { headers } : {}) });
const ETAG = { ETag: { schema: { type: 'string' }, description: 'The case version in quotes, for If-Match' } };
const IF_MATCH = {
  name: 'If-Match',
  in: 'header',
  required: false,
  schema: { type: 'string' },
  description: 'Write only if the case is still at this version (its ETag): otherwise 412 and nothing is written',
};

/** Query parameters from an object schema's properties. */
function queryParameters(schema: z.ZodType): Json[] {
  const s = jsonSchema(schema, true) as { properties: Record<string, Json>; required?: string[] };
  return Object.entries(s.properties).map(([name, p]) => ({ name, in: 'query', required: s.required?.includes(name) ?? false, schema: p }));
}

/** The body of POST /jobs/:queue: the job's payload without what the server sets, plus priority. */
function enqueueBody(queue: (typeof WORK_QUEUES)[number]): Json | null {
  const spec = httpJobName(queue);
  if (!spec) return null;
  const names = 'fixed' in spec ? [spec.fixed] : jobNamesOf(queue);
  const variants = names.map((name) => {
    const s = jsonSchema(schemaFor(queue, name)!, false) as { properties: Record<string, Json>; required?: string[] };
    // The server sets these two from the token and the X-Correlation-Id header.
    const properties = Object.fromEntries(Object.entries(s.properties).filter(([k]) => k !== 'organizationId' && k !== 'correlationId'));
    return {
      ...s,
      properties: { ...properties, priority: { type: 'string', enum: Object.keys(PRIORITY_TIERS) } },
      required: (s.required ?? []).filter((r) => r !== 'organizationId' && r !== 'correlationId'),
    };
  });
  // Job names that share one schema (e.g. every AI job type) are one variant.
  const distinct = [...new Map(variants.map((v) => [JSON.stringify(v), v])).values()];
  return distinct.length === 1 ? distinct[0] : { oneOf: distinct };
}

interface OpenApiOptions {
  /** SEARCH_MAX_QUERY_LENGTH of the running server (the committed document uses the default). */
  maxQueryLength: number;
  version: string;
}

/** A write whose jobs would take the tenant past its pending cap on a queue (docs/fairness.md): nothing is stored. */
const PENDING_CAP = {
  429: error('The jobs this write triggers would take the tenant past its pending cap on a queue; nothing is stored', {
    'Retry-After': { schema: { type: 'integer' } },
  }),
};

export function openApiDocument(options: OpenApiOptions): Json {
  const base = `/${API_PREFIX}`;
  const paths: Json = {
    [`${base}/cases`]: {
      post: {
        operationId: 'createCase',
        tags: ['cases'],
        requestBody: { required: true, content: json(jsonSchema(createCaseSchema, true)) },
        responses: {
          201: ok('Created', ref('Case'), { ...ETAG, Location: { schema: { type: 'string' }, description: 'The new case' } }),
          ...BODY_ERRORS,
          ...PENDING_CAP,
        },
      },
      get: {
        operationId: 'listCases',
        tags: ['cases'],
        parameters: queryParameters(listCasesSchema),
        responses: { 200: ok('A page of cases, newest first', ref('CasePage')), ...ERRORS },
      },
    },
    [`${base}/cases/{id}`]: {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        operationId: 'getCase',
        tags: ['cases'],
        responses: {
          200: ok(
            'The case with its AI outcomes',
            {
              allOf: [
                ref('Case'),
                {
                  type: 'object',
                  properties: {
                    ai: { type: 'object', properties: { items: { type: 'array', items: ref('AiResult') } }, required: ['items'] },
                  },
                  required: ['ai'],
                },
              ],
            },
            ETAG,
          ),
          ...ERRORS,
          404: error('No such case in the caller’s organization'),
        },
      },
      patch: {
        operationId: 'updateCase',
        tags: ['cases'],
        parameters: [IF_MATCH],
        requestBody: { required: true, content: json(jsonSchema(updateCaseSchema, true)) },
        responses: {
          200: ok('Updated (only what differs is written)', ref('Case'), ETAG),
          ...BODY_ERRORS,
          404: error('No such case'),
          412: error('If-Match does not match the current version (`currentVersion`)'),
          ...PENDING_CAP,
        },
      },
      delete: {
        operationId: 'deleteCase',
        tags: ['cases'],
        parameters: [IF_MATCH],
        responses: {
          204: { description: 'Deleted' },
          ...ERRORS,
          404: error('No such case'),
          412: error('If-Match does not match'),
          ...PENDING_CAP,
        },
      },
    },
    [`${base}/search`]: {
      get: {
        operationId: 'searchEntities',
        tags: ['search'],
        parameters: queryParameters(searchQuerySchema(options.maxQueryLength)),
        responses: { 200: ok('Hits, best first, with facets', ref('SearchResult')), ...ERRORS },
      },
    },
    [`${base}/search/reindex`]: {
      post: {
        operationId: 'reindex',
        tags: ['search'],
        requestBody: { required: false, content: json(jsonSchema(reindexRequestSchema, true)) },
        responses: {
          202: ok('Reindexing jobs enqueued', {
            type: 'object',
            properties: { jobs: { type: 'array', items: ref('EnqueuedJob') } },
            required: ['jobs'],
          }),
          ...BODY_ERRORS,
          ...PENDING_CAP,
        },
      },
    },
    [`${base}/ai/results`]: {
      get: {
        operationId: 'listAiResults',
        tags: ['ai'],
        parameters: [
          { name: 'entityType', in: 'query', required: true, schema: { type: 'string', minLength: 1, maxLength: 200 } },
          { name: 'entityId', in: 'query', required: true, schema: { type: 'string', minLength: 1, maxLength: 200 } },
        ],
        responses: {
          200: ok('AI outcomes of one entity', {
            type: 'object',
            properties: { items: { type: 'array', items: ref('AiResult') } },
            required: ['items'],
          }),
          ...ERRORS,
        },
      },
    },
    [`${base}/ai/categories`]: {
      get: {
        operationId: 'listAiCategories',
        tags: ['ai'],
        responses: {
          200: ok('Categories `categorize` chooses from', {
            type: 'object',
            properties: {
              items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
            },
            required: ['items'],
          }),
          ...ERRORS,
        },
      },
    },
    [`${base}/jobs/{queue}/{id}`]: {
      parameters: [
        { name: 'queue', in: 'path', required: true, schema: { type: 'string', enum: [...WORK_QUEUES] } },
        { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      ],
      get: {
        operationId: 'getJob',
        tags: ['jobs'],
        responses: { 200: ok('The job, if it belongs to the caller’s organization', ref('JobView')), ...ERRORS, 404: error('No such job') },
      },
    },
  };
  for (const queue of WORK_QUEUES) {
    const body = enqueueBody(queue);
    if (!body) continue;
    paths[`${base}/jobs/${queue}`] = {
      post: {
        operationId: `enqueue${queue.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}`,
        tags: ['jobs'],
        parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 200 } }],
        requestBody: { required: true, content: json(body) },
        responses: {
          202: ok('Stored; Location names the job', ref('EnqueuedJob'), { Location: { schema: { type: 'string' } } }),
          ...BODY_ERRORS,
          429: error('The tenant has FAIRNESS_MAX_PENDING jobs waiting on the queue already; it is not stored', {
            'Retry-After': { schema: { type: 'integer' } },
          }),
          503: error('Redis did not take the job in time; it is not stored', { 'Retry-After': { schema: { type: 'integer' } } }),
        },
      },
    };
  }
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Ethico API',
      version: options.version,
      description:
        'Jobs, cases, search and AI results of one organization (the token’s). Every route answers 405 with Allow for a method it does not have.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: sorted,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'HS256, signed with JWT_SECRET; claims sub and organizationId',
        },
      },
      schemas: components(),
    },
  };
}
