import { z } from 'zod';
import { CASE_STATUSES } from '../../events/case.events';
import { EMAIL_TEMPLATE_IDS, EMAIL_TEMPLATES, isEmailTemplateId } from '../../email/templates';

/**
 * Payload schemas: the single source of truth for what each job carries.
 * Types are derived from them, so the compile-time and run-time checks cannot drift apart.
 */

const id = z.string().trim().min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' });

export const baseJobDataSchema = z.object({
  organizationId: id,
  correlationId: z.string().max(200).optional(),
});
export type BaseJobData = z.infer<typeof baseJobDataSchema>;

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

/** Scheduled jobs belong to no tenant; they carry this reserved organization id. */
export const SYSTEM_ORGANIZATION_ID = 'system';

export const deadLetterDigestJobDataSchema = baseJobDataSchema.extend({
  organizationId: z.literal(SYSTEM_ORGANIZATION_ID, { error: `must be "${SYSTEM_ORGANIZATION_ID}"` }),
});
export type DeadLetterDigestJobData = z.infer<typeof deadLetterDigestJobDataSchema>;

export const INDEXING_OPERATIONS = ['create', 'update', 'delete', 'reindex'] as const;
export type IndexingOperation = (typeof INDEXING_OPERATIONS)[number];

export const indexingJobDataSchema = baseJobDataSchema.extend({
  operation: z.enum(INDEXING_OPERATIONS, { error: `must be one of ${INDEXING_OPERATIONS.join(', ')}` }),
  entityType: id,
  entityId: id,
  data: z.record(z.string(), z.unknown()).optional(),
});
export type IndexingJobData = z.infer<typeof indexingJobDataSchema>;

export const REPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** An instant with its offset (2026-01-31T00:00:00Z), or a day (2026-01-31, midnight UTC). */
const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error: 'must be an ISO 8601 date or date-time, such as 2026-01-31 or 2026-01-31T08:00:00Z',
});

export const caseExportFilterSchema = z
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
