/** `npm test` runs each scenario briefly; `npm run test:chaos` (CHAOS_SCALE=full) runs it at the size. */
export const FULL = process.env.CHAOS_SCALE === 'full';
export const scale = <T>(short: T, full: T): T => (FULL ? full : short);
