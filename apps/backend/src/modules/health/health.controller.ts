import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { HealthAnswer, HealthChecksService } from './health-checks.service';

function send(res: Response, answer: HealthAnswer): void {
  res.setHeader('Cache-Control', 'no-store');
  res.status(answer.status).json(answer.body);
}

@Controller('health')
export class HealthController {
  constructor(private readonly checks: HealthChecksService) {}

  /** Liveness, as before /health/live existed: the process is up and serving HTTP. */
  @Get()
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('live')
  async live(@Res() res: Response): Promise<void> {
    send(res, await this.checks.live());
  }

  /** Readiness: 503 naming the failing checks (redis, postgres, workers). */
  @Get('ready')
  async ready(@Res() res: Response): Promise<void> {
    send(res, await this.checks.ready());
  }
}
