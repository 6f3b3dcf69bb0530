import { z } from 'zod';
import { defineTemplate } from './email-template';
import { caseNumber, httpUrl, line } from './fields';

export const caseStatusChangedTemplate = defineTemplate({
  id: 'case-status-changed',
  api: true,
  context: z.strictObject({
    caseNumber,
    caseTitle: line(),
    previousStatus: line(100),
    newStatus: line(100),
    changedBy: line(200),
    caseUrl: httpUrl,
  }),
  subject: 'Case {{caseNumber}} is now {{newStatus}}',
  html: `<p>{{changedBy}} changed the status of case <strong>{{caseNumber}}</strong> &ldquo;{{caseTitle}}&rdquo;
from <em>{{previousStatus}}</em> to <em>{{newStatus}}</em>.</p>
<p><a href="{{caseUrl}}">Open the case</a></p>`,
  text: `{{changedBy}} changed the status of case {{caseNumber}} "{{caseTitle}}" from {{previousStatus}} to {{newStatus}}.

Open the case: {{caseUrl}}
`,
});
