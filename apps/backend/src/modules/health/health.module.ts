import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { HealthChecksService } from './health-checks.service';
import { HealthController } from './health.controller';

/** Health checks for every role; the controller is served where there is HTTP, the worker role serves them on METRICS_PORT. */
@Module({
  // Terminus' own logger writes plain text to stdout; failures are logged by HealthChecks instead.
  imports: [TerminusModule.forRoot({ logger: false }), DiscoveryModule],
  controllers: [HealthController],
  providers: [HealthChecksService],
  exports: [HealthChecksService],
})
export class HealthModule {}
