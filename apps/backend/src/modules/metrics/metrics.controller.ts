import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { MetricsRegistry } from './metrics.registry';

/**
 * Prometheus scrape endpoint on the API's port. Like /health it is outside the API prefix and
 * unauthenticated: expose it only to the monitoring network (see README, Operations).
 */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const body = await this.metrics.metrics();
    res.set({ 'Content-Type': this.metrics.contentType, 'Cache-Control': 'no-store' }).send(body);
  }
}
