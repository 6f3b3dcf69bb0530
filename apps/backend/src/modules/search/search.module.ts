import { Module } from '@nestjs/common';
import { SearchIndexer } from './search-indexer.service';

@Module({ providers: [SearchIndexer], exports: [SearchIndexer] })
export class SearchModule {}
