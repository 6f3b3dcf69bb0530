import type { z } from 'zod';
import { caseAssignedTemplate } from './case-assigned.template';
import { caseStatusChangedTemplate } from './case-status-changed.template';
import { dailyReminderTemplate } from './daily-reminder.template';
import { deadLetterDigestTemplate } from './dead-letter-digest.template';
import type { EmailTemplate, RenderedEmail } from './email-template';
import { reportAcknowledgementTemplate } from './report-acknowledgement.template';
import { slaBreachWarningTemplate } from './sla-breach-warning.template';

export type { EmailTemplate, RenderedEmail } from './email-template';
export { oneLine } from './email-template';

/**
 * Every template the platform sends, by id. This module depends on nothing in the jobs module,
 * so the jobs module's payload schema can check templates without an import cycle.
 */
export const EMAIL_TEMPLATES = {
  'case-assigned': caseAssignedTemplate,
  'case-status-changed': caseStatusChangedTemplate,
  'sla-breach-warning': slaBreachWarningTemplate,
  'report-acknowledgement': reportAcknowledgementTemplate,
  'dlq-digest': deadLetterDigestTemplate,
  'daily-reminder': dailyReminderTemplate,
} as const;

export type EmailTemplateId = keyof typeof EMAIL_TEMPLATES;
export type EmailTemplateContext<T extends EmailTemplateId> = z.input<(typeof EMAIL_TEMPLATES)[T]['context']>;
export const EMAIL_TEMPLATE_IDS = Object.keys(EMAIL_TEMPLATES) as EmailTemplateId[];

export function isEmailTemplateId(id: unknown): id is EmailTemplateId {
  return typeof id === 'string' && Object.prototype.hasOwnProperty.call(EMAIL_TEMPLATES, id);
}

export function emailTemplate(id: EmailTemplateId): EmailTemplate {
  return EMAIL_TEMPLATES[id];
}

/** Validates the context against the template's schema (defaults applied), then renders it. */
export function renderEmail(id: EmailTemplateId, context: unknown): RenderedEmail {
  const template = emailTemplate(id);
  return template.render(template.context.parse(context));
}
