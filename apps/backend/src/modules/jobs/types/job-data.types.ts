import { z } from 'zod';
import type { AppConfig } from '../../../config/configuration';
import { CASE_STATUSES } from '../../events/case.events';
import { EMAIL_TEMPLATE_IDS, EMAIL_TEMPLATES, isEmailTemplateId } from '../../email/templates';
import { CASE_ENTITY_TYPE } from '../../events/case.events';
import type { FieldError } from '../../http/field-errors';

/**
 * Payload schemas: the single source of truth for what each job carries.
 * Types are derived from them, so the compile-time and run-time checks cannot drift apart.
 */

const id = z.string().trim().min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' });

const baseJobDataSchema = z.object({
  organizationId: id,
  correlationId: z.string().max(200).optional(),
});

export const AI_JOB_TYPES = ['generate-summary', 'translate', 'categorize', 'note-cleanup'] as const;
export type AiJobType = (typeof AI_JOB_TYPES)[number];

export const aiJobDataSchema = baseJobDataSchema
  .extend({
    type: z.enum(AI_JOB_TYPES, { error: `must be one of ${AI_JOB_TYPES.join(', ')}` }),
    entityType: id,
    entityId: id,
    content: z.string().max(100_000, { error: 'must be at most 100000 characters' }).optional(),
    targetLanguage: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { error: 'must be a language tag such as de or pt-BR' })
      .optional(),
  })
  .superRefine((d, ctx) => {
    if (d.type === 'translate' && !d.targetLanguage) {
      ctx.addIssue({ code: 'custom', path: ['targetLanguage'], message: 'is required for translate' });
    }
  });
export type AiJobData = z.infer<typeof aiJobDataSchema>;

/**
 * Entity types whose text the platform stores: an AI job about one reads it from the database
 * (AiContentService has a loader for each), so its derived data (a case's summary) reflects the
 * record, never a caller's version of it.
 */
const STORED_AI_ENTITY_TYPES = [CASE_ENTITY_TYPE] as const;
export type StoredAiEntityType = (typeof STORED_AI_ENTITY_TYPES)[number];
const isStoredAiEntityType = (t: unknown): t is StoredAiEntityType => (STORED_AI_ENTITY_TYPES as readonly unknown[]).includes(t);

/** Over HTTP, a tenant cannot supply the text of a stored entity (and so rewrite, say, a case's summary). */
export function aiHttpRule(body: Readonly<Record<string, unknown>>): FieldError[] {
  if (!isStoredAiEntityType(body.entityType) || body.content === undefined) return [];
  return [{ field: 'content', message: `must not be set for entity type "${body.entityType}": its text is read from the database` }];
}

const emailAddress = z.email({ error: 'must be a valid email address' });

/** An object of any fields: the template's own schema says which (z.record would copy and check every key per job). */
const templateContext = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  error: 'must be an object',
});

const emailJobFields = baseJobDataSchema.extend({
  templateId: id,
  to: z.union([emailAddress, z.array(emailAddress).min(1, { error: 'must name at least one recipient' }).max(50)], {
    error: 'must be an email address or a list of them',
  }),
  subject: z.string().max(300).optional(),
  context: templateContext.default({}),
});

const templateRules =
  (checkContext: boolean) =>
  (d: z.output<typeof emailJobFields>, ctx: z.RefinementCtx): void => {
    if (!isEmailTemplateId(d.templateId)) {
      ctx.addIssue({ code: 'custom', path: ['templateId'], message: `unknown template; known: ${EMAIL_TEMPLATE_IDS.join(', ')}` });
      return;
    }
    if (d.subject !== undefined && !EMAIL_TEMPLATES[d.templateId].subjectOverride) {
      ctx.addIssue({ code: 'custom', path: ['subject'], message: `must not be set for ${d.templateId}: its subject is fixed` });
    }
    if (!checkContext || typeof d.context !== 'object' || d.context === null) return; // a bad shape is already reported
    const parsed = EMAIL_TEMPLATES[d.templateId].context.safeParse(d.context);
    for (const issue of parsed.error?.issues ?? []) {
      ctx.addIssue({ code: 'custom', path: ['context', ...issue.path], message: issue.message });
    }
  };

/** Checked at enqueue, context included, so a job that can never render is a 400 and never reaches a worker. */
export const emailJobDataSchema = emailJobFields.superRefine(templateRules(true));
/**
 * What workers check: the same but the context, which rendering checks against the template
 * anyway (and fails the job without retrying); checking it here too would parse it twice per job.
 */
export const emailJobDataWorkerSchema = emailJobFields.superRefine(templateRules(false));
export type EmailJobData = z.infer<typeof emailJobDataSchema>;

const API_TEMPLATE_IDS = EMAIL_TEMPLATE_IDS.filter((t) => EMAIL_TEMPLATES[t].api);

/**
 * Over HTTP, tenants send platform-branded mail only with the templates meant for them (never the
 * operators' digest) and only to the deployment's allowed recipient domains.
 */
export function emailHttpRule(body: Readonly<Record<string, unknown>>, config: Pick<AppConfig, 'email'>): FieldError[] {
  const errors: FieldError[] = [];
  const { templateId, to } = body;
  if (isEmailTemplateId(templateId) && !EMAIL_TEMPLATES[templateId].api) {
    errors.push({ field: 'templateId', message: `"${templateId}" is not sent over the API; templates: ${API_TEMPLATE_IDS.join(', ')}` });
  }
  const allowed = config.email.allowedRecipientDomains;
  const recipients = Array.isArray(to) ? to : [to];
  recipients.forEach((address, i) => {
    if (typeof address !== 'string' || !address.includes('@')) return; // the schema reports it
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    if (allowed.includes(domain)) return;
    errors.push({
      field: Array.isArray(to) ? `to.${i}` : 'to',
      message: allowed.length
        ? `domain "${domain}" is not an allowed recipient domain (EMAIL_ALLOWED_RECIPIENT_DOMAINS)`
        : 'no recipient domain is allowed over the API (EMAIL_ALLOWED_RECIPIENT_DOMAINS is not set)',
    });
  });
  return errors;
}

/** Scheduled jobs belong to no tenant; they carry this reserved organization id. */
export const SYSTEM_ORGANIZATION_ID = 'system';

export const deadLetterDigestJobDataSchema = baseJobDataSchema.extend({
  organizationId: z.literal(SYSTEM_ORGANIZATION_ID, { error: `must be "${SYSTEM_ORGANIZATION_ID}"` }),
});

/** A tenant's recurring job (sla-check, daily-reminder): the tenant is all it needs; the rest is read from PostgreSQL. */
export const SCHEDULED_JOB_TYPES = ['sla-check', 'daily-reminder'] as const;
export type ScheduledJobType = (typeof SCHEDULED_JOB_TYPES)[number];
export const scheduledJobDataSchema = baseJobDataSchema.extend({
  organizationId: id.refine((v) => v !== SYSTEM_ORGANIZATION_ID, { error: `must name a tenant, not "${SYSTEM_ORGANIZATION_ID}"` }),
});

export const INDEXING_OPERATIONS = ['create', 'update', 'delete', 'reindex'] as const;
export type IndexingOperation = (typeof INDEXING_OPERATIONS)[number];

export const indexingJobDataSchema = baseJobDataSchema.extend({
  operation: z.enum(INDEXING_OPERATIONS, { error: `must be one of ${INDEXING_OPERATIONS.join(', ')}` }),
  entityType: id,
  entityId: id,
  data: z.record(z.string(), z.unknown()).optional(),
});
export type IndexingJobData = z.infer<typeof indexingJobDataSchema>;

const REPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** An instant with its offset (2026-01-31T00:00:00Z), or a day (2026-01-31, midnight UTC). */
const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error: 'must be an ISO 8601 date or date-time, such as 2026-01-31 or 2026-01-31T08:00:00Z',
});

const caseExportFilterSchema = z
  .strictObject(
    {
      status: z
        .array(z.enum(CASE_STATUSES, { error: `must be one of ${CASE_STATUSES.join(', ')}` }))
        .min(1, { error: 'must name at least one status' })
        .max(CASE_STATUSES.length)
        .optional(),
      /** Inclusive. */
      createdFrom: instant.optional(),
      /** Exclusive: from 2026-01-01 to 2026-02-01 is January. */
      createdTo: instant.optional(),
      /** Full-text, as the search API reads it (websearch syntax). */
      q: z.string().trim().min(1, { error: 'must not be empty' }).max(256, { error: 'must be at most 256 characters' }).optional(),
    },
    { error: 'must be an object' },
  )
  .superRefine((f, ctx) => {
    if (f.createdFrom && f.createdTo && Date.parse(f.createdFrom) >= Date.parse(f.createdTo)) {
      ctx.addIssue({ code: 'custom', path: ['createdTo'], message: 'must be after createdFrom' });
    }
  });
export type CaseExportFilter = z.infer<typeof caseExportFilterSchema>;

export const caseExportJobDataSchema = baseJobDataSchema.extend({
  format: z.enum(REPORT_FORMATS, { error: `must be one of ${REPORT_FORMATS.join(', ')}` }),
  filter: caseExportFilterSchema.default({}),
});
export type CaseExportJobData = z.infer<typeof caseExportJobDataSchema>;
