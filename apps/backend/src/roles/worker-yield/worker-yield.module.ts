import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { WorkerYieldService } from './worker-yield.service';

/** Imported only where one process serves HTTP and runs workers (APP_ROLE=all), unless WORKER_YIELD_LAG_MS=0. */
@Module({
  imports: [DiscoveryModule],
  providers: [WorkerYieldService],
})
export class WorkerYieldModule {}
