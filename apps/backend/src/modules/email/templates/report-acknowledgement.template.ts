import { z } from 'zod';
import { defineTemplate } from './email-template';
import { httpUrl, line } from './fields';

/**
 * Sent to a (possibly anonymous) reporter. It must never carry internal details: no case title,
 * assignee, category or organization-internal status. The strict schema rejects any extra field,
 * and a producer's own subject, so a producer cannot pass such details in by mistake.
 */
export const reportAcknowledgementTemplate = defineTemplate({
  id: 'report-acknowledgement',
  api: true,
  context: z.strictObject({
    /** The reporter's reference for follow-up, not the internal case number. */
    reportReference: line(50),
    followUpUrl: httpUrl,
  }),
  subject: 'We have received your report',
  subjectOverride: false,
  html: `<p>Thank you. We have received your report and will review it.</p>
<p>Your reference is <strong>{{reportReference}}</strong>. Keep it, together with the access code you chose,
to read replies and add information: <a href="{{followUpUrl}}">follow up on your report</a>.</p>`,
  text: `Thank you. We have received your report and will review it.

Your reference is {{reportReference}}. Keep it, together with the access code you chose, to read replies and add information:
{{followUpUrl}}
`,
});
