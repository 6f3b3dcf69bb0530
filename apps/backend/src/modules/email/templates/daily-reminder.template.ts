import { z } from 'zod';
import { defineTemplate } from './email-template';
import { caseNumber, httpUrl, line } from './fields';

/** The morning list of an assignee's open cases due soon (overdue ones included). */
export const dailyReminderTemplate = defineTemplate({
  id: 'daily-reminder',
  // Sent by the daily reminder job only: the list comes from the database, never from a caller.
  api: false,
  context: z.strictObject({
    assigneeName: line(100),
    /** The day in the tenant's zone, e.g. "2026-12-02". */
    date: line(50),
    cases: z
      .array(z.strictObject({ caseNumber, caseTitle: line(), dueAt: line(100), caseUrl: httpUrl }))
      .min(1, { error: 'must list at least one case' })
      .max(200),
  }),
  subject: 'Your cases due soon ({{date}})',
  html: `<p>Good morning {{assigneeName}}, these open cases of yours are due soon:</p>
<ul>
{{#each cases}}<li><a href="{{caseUrl}}">Case {{caseNumber}}</a> &ldquo;{{caseTitle}}&rdquo;, due {{dueAt}}</li>
{{/each}}</ul>`,
  text: `Good morning {{assigneeName}}, these open cases of yours are due soon ({{date}}):

{{#each cases}}- Case {{caseNumber}} "{{caseTitle}}", due {{dueAt}}: {{caseUrl}}
{{/each}}`,
});
