import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { SearchDocumentsRepository } from './search-documents.repository';
import { SearchIndexerService } from './search-indexer.service';
import { SearchService } from './search.service';

/** The index: written by SearchIndexer in processes consuming `indexing`, queried by SearchService. */
@Module({
  imports: [JobsModule],
  providers: [SearchDocumentsRepository, SearchIndexerService, SearchService],
  exports: [SearchIndexerService, SearchService],
})
export class SearchModule {}
