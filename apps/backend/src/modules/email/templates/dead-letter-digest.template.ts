import { z } from 'zod';
import { defineTemplate } from './email-template';
import { httpUrl, line } from './fields';

const count = z.number().int().min(0);

/** For operators. Counts and failure reasons only: never job payloads, which can hold report content. */
export const deadLetterDigestTemplate = defineTemplate({
  id: 'dlq-digest',
  // For operators only: a tenant could otherwise send a look-alike digest with its own link.
  api: false,
  context: z.strictObject({
    total: count,
    queues: z.array(z.strictObject({ queue: line(100), count })).min(1),
    oldestAge: line(100),
    oldestFailedAt: line(100),
    reasons: z.array(z.strictObject({ reason: line(300), count })),
    dashboardUrl: httpUrl,
  }),
  subject: 'Dead-letter queue: {{total}} job(s) waiting for an operator',
  html: `<p>{{total}} failed job(s) are waiting in the dead-letter queue.</p>
<table>
<tr><th align="left">Queue</th><th align="right">Pending</th></tr>
{{#each queues}}<tr><td>{{queue}}</td><td align="right">{{count}}</td></tr>
{{/each}}</table>
<p>Oldest entry: failed {{oldestAge}} ago ({{oldestFailedAt}}).</p>
<p>Most frequent failure reasons:</p>
<ul>
{{#each reasons}}<li>{{count}} &times; {{reason}}</li>
{{/each}}</ul>
<p><a href="{{dashboardUrl}}">Review, replay or dismiss them in the dashboard</a></p>`,
  text: `{{total}} failed job(s) are waiting in the dead-letter queue.

{{#each queues}}{{queue}}: {{count}}
{{/each}}
Oldest entry: failed {{oldestAge}} ago ({{oldestFailedAt}}).

Most frequent failure reasons:
{{#each reasons}}  {{count}} x {{reason}}
{{/each}}
Review, replay or dismiss them: {{dashboardUrl}}
`,
});
