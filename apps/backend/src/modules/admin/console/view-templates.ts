import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';

/**
 * The console's Handlebars templates (`templates/*.hbs`, partials in `templates/partials/`), read
 * and parsed once when this module loads. `__dirname` is this folder under `src` when the sources
 * run directly (jest, swc-node) and under `dist` after `npm run build`, whose copy-assets step puts
 * every `src/**\/*.hbs` beside the compiled JavaScript.
 *
 * A private environment, so helpers or partials registered elsewhere never change these pages.
 * `{{value}}` escapes with `Handlebars.Utils.escapeExpression`, the function behind `escapeHtml`
 * (modules/http/html-escape.ts), and the templates use no `{{{ }}}`: every value is escaped.
 * `strict` makes a reference to a field the view does not provide an error, not an empty string;
 * `preventIndent` keeps indentation of a partial call out of `<pre>` and `<textarea>` content.
 */
const TEMPLATE_DIR = join(__dirname, 'templates');
const OPTIONS = { strict: true, preventIndent: true } as const;
const hbs = Handlebars.create();

function compile<T>(file: string): Handlebars.TemplateDelegate<T> {
  const path = join(TEMPLATE_DIR, file);
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(
      `dead-letter console template missing: ${path} (npm run build copies src/**/*.hbs into dist): ${(err as Error).message}`,
      { cause: err },
    );
  }
  // The file's final newline is not part of the template (it would follow every partial's output).
  // Parsed now, so a syntax error fails the start; Handlebars generates the code on first use and keeps it.
  return hbs.compile<T>(hbs.parseWithoutProcessing(source.replace(/\r?\n$/, '')), OPTIONS);
}

hbs.registerPartial('layout', compile('layout.hbs'));
for (const partial of ['csrf-field', 'status', 'filter-fields']) hbs.registerPartial(partial, compile(`partials/${partial}.hbs`));

/** A page template, rendered with the console's route as `@route`. */
export function pageTemplate<T>(name: string, route: string): (view: T) => string {
  const template = compile<T>(`${name}.hbs`);
  return (view) => template(view, { data: { route } });
}
