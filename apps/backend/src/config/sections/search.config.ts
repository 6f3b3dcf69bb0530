import { z } from 'zod';
import { int } from '../fields';

export const searchSection = z
  .object({
    SEARCH_REINDEX_BATCH_SIZE: int(10, 10_000).default(500),
    SEARCH_REINDEX_PAUSE_MS: int(0, 60_000).default(25),
    SEARCH_MAX_QUERY_LENGTH: int(16, 2_000).default(256),
  })
  .transform((e) => ({
    reindexBatchSize: e.SEARCH_REINDEX_BATCH_SIZE,
    reindexPauseMs: e.SEARCH_REINDEX_PAUSE_MS,
    maxQueryLength: e.SEARCH_MAX_QUERY_LENGTH,
  }));
