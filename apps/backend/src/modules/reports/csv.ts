/**
 * CSV as RFC 4180 writes it (fields quoted when they hold a quote, comma, CR or LF; quotes doubled;
 * CRLF line ends), with one addition for spreadsheets: a text cell starting with = + - @ (or a tab
 * or CR, which some spreadsheets skip before reading a formula) gets a leading ' so that it is shown
 * as text and never run as a formula (OWASP "CSV injection").
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (cells: readonly (string | number | null)[]): string => `${cells.map(csvCell).join(',')}\r\n`;
