import { z } from 'zod';
import { defineTemplate } from './email-template';
import { caseNumber, httpUrl, line } from './fields';

export const slaBreachWarningTemplate = defineTemplate({
  id: 'sla-breach-warning',
  api: true,
  context: z.strictObject({
    caseNumber,
    caseTitle: line(),
    /** Which deadline, e.g. "initial response" or "investigation closed". */
    slaName: line(100),
    /** When it is breached, as the recipient should read it (the producer formats it for their locale and zone). */
    dueAt: line(100),
    caseUrl: httpUrl,
  }),
  subject: 'SLA warning: case {{caseNumber}} {{slaName}} due {{dueAt}}',
  html: `<p>The <strong>{{slaName}}</strong> deadline of case <strong>{{caseNumber}}</strong> &ldquo;{{caseTitle}}&rdquo;
is due <strong>{{dueAt}}</strong> and has not been met yet.</p>
<p><a href="{{caseUrl}}">Open the case</a></p>`,
  text: `The {{slaName}} deadline of case {{caseNumber}} "{{caseTitle}}" is due {{dueAt}} and has not been met yet.

Open the case: {{caseUrl}}
`,
});
