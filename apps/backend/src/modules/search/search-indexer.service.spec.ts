import { isPermanentDatabaseError } from './search-indexer.service';

describe('isPermanentDatabaseError', () => {
  it.each([
    ['invalid text representation', { code: '22P02' }, true],
    ['unique violation', { code: '23505' }, true],
    ['undefined table', { code: '42P01' }, true],
    ['connection refused', { code: 'ECONNREFUSED' }, false],
    ['admin shutdown', { code: '57P01' }, false],
    ['serialization failure', { code: '40001' }, false],
    ['connection terminated (no code)', new Error('Connection terminated unexpectedly'), false],
    ['not an error', null, false],
  ])('%s -> %s', (_name, err, permanent) => {
    expect(isPermanentDatabaseError(err)).toBe(permanent);
  });
});
