import { caseSearchSource } from './case.search-source';
import type { SearchSource } from './search-source';

export * from './search-source';

/** Every searchable entity type. Entity type names are stored in the index and in queued jobs. */
const SEARCH_SOURCES: readonly SearchSource[] = [caseSearchSource];

export const SEARCHABLE_ENTITY_TYPES = SEARCH_SOURCES.map((s) => s.entityType) as [string, ...string[]];

export function searchSourceFor(entityType: string): SearchSource | undefined {
  return SEARCH_SOURCES.find((s) => s.entityType === entityType);
}
