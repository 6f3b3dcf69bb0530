import { z } from 'zod';
import { defineTemplate } from './email-template';
import { caseNumber, httpUrl, line } from './fields';

export const caseAssignedTemplate = defineTemplate({
  id: 'case-assigned',
  api: true,
  context: z.strictObject({
    caseNumber,
    caseTitle: line(),
    assigneeName: line(200),
    caseUrl: httpUrl,
  }),
  subject: 'Case {{caseNumber}} was assigned to you',
  html: `<p>Hello {{assigneeName}},</p>
<p>Case <strong>{{caseNumber}}</strong> &ldquo;{{caseTitle}}&rdquo; was assigned to you.</p>
<p><a href="{{caseUrl}}">Open the case</a></p>`,
  text: `Hello {{assigneeName}},

Case {{caseNumber}} "{{caseTitle}}" was assigned to you.

Open the case: {{caseUrl}}
`,
});
