import Handlebars from 'handlebars';
import type { z } from 'zod';

/** Source of one template: what the registry holds before compiling. */
export interface EmailTemplateSource<C extends z.ZodType> {
  id: string;
  /** The context the template needs; checked at enqueue and again in the worker. */
  context: C;
  subject: string;
  html: string;
  text: string;
  /** False where a producer's own subject could carry what the template keeps out (default true). */
  subjectOverride?: boolean;
  /**
   * Whether tenants may enqueue it over POST /api/v1/jobs/email. Required, so each new template
   * decides: one for operators or the platform's own notices must not be sendable with a caller's context.
   */
  api: boolean;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface EmailTemplate<C extends z.ZodType = z.ZodType> {
  id: string;
  context: C;
  subjectOverride: boolean;
  api: boolean;
  render(context: z.infer<C>): RenderedEmail;
}

// A private environment: helpers or partials registered elsewhere never change what these render.
const hbs = Handlebars.create();

/**
 * HTML is escaped by Handlebars ({{value}}); the subject and the text part are not HTML, so escaping
 * there would show `&amp;` to the reader. `strict` makes a reference to a missing field an error
 * rather than an empty string, so a template and its schema cannot silently drift apart.
 */
export function defineTemplate<C extends z.ZodType>(source: EmailTemplateSource<C>): EmailTemplate<C> {
  const options = { strict: true };
  const subject = hbs.compile(source.subject, { ...options, noEscape: true });
  const html = hbs.compile(source.html, options);
  const text = hbs.compile(source.text, { ...options, noEscape: true });
  return {
    id: source.id,
    context: source.context,
    subjectOverride: source.subjectOverride ?? true,
    api: source.api,
    render: (context) => ({
      subject: oneLine(subject(context)),
      html: html(context),
      text: text(context),
    }),
  };
}

/** Header values are one line: a value with a newline must not start a new header. */
export const oneLine = (value: string): string => value.replace(/\s+/g, ' ').trim();
