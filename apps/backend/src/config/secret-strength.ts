/**
 * Why a production secret is too weak to start with, or null. Not a password meter: it refuses
 * what is known (the development secret this repository publishes, placeholder text) and what has
 * visibly little entropy (few distinct characters, mostly runs such as `aaaa` or `1234`).
 */

/** Published in this repository: whoever reads it could mint API tokens. */
export const DEV_JWT_SECRET = 'ethico-development-secret-do-not-use-in-production';

/** Placeholder words, compared with letters and digits only (`change-me` and `CHANGE_ME` alike). */
const PLACEHOLDERS = [
  'changeme',
  'replaceme',
  'donotuse',
  'yoursecret',
  'yourpassword',
  'passwordhere',
  'secrethere',
  'placeholder',
  'example',
];

export function secretWeakness(value: string, minLength: number, minDistinct: number): string | null {
  if (value === DEV_JWT_SECRET) return 'is the published development secret; generate one (openssl rand -base64 48)';
  if (value.length < minLength) return `must be at least ${minLength} characters`;
  const folded = value.toLowerCase().replace(/[^a-z0-9]/g, '');
  const word = PLACEHOLDERS.find((p) => folded.includes(p));
  if (word) return `looks like a placeholder (contains "${word}"); generate one (openssl rand -base64 48)`;
  const distinct = new Set(value).size;
  if (distinct < minDistinct) return `has only ${distinct} distinct characters (at least ${minDistinct} required)`;
  // Steps of -1, 0 or +1 between neighbours: `abcdef`, `123456`, `aaaa`, `9876`.
  let predictable = 0;
  for (let i = 1; i < value.length; i++) if (Math.abs(value.charCodeAt(i) - value.charCodeAt(i - 1)) <= 1) predictable++;
  if (predictable * 3 > (value.length - 1) * 2) return 'is too predictable (mostly runs or repeats of characters)';
  return null;
}
