import Handlebars from 'handlebars';

/**
 * The one HTML escaper of the code base: text to HTML text or a quoted attribute value. It is the
 * function Handlebars applies to every `{{value}}`, so markup built by hand and markup from
 * templates escape the same characters the same way: & < > " ' ` =. `null` and `undefined` are
 * empty; anything else is converted with `String` first, so an object's `toHTML` is never trusted.
 */
export function escapeHtml(value: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- String() is the point: an object is its text, never its toHTML
  return Handlebars.Utils.escapeExpression(value === null || value === undefined ? '' : String(value));
}
