import { Controller, Get, Logger, GoneException, NotFoundException, Param, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { REPORT_CONTENT_TYPES } from './case-export.service';
import { PayloadKeyError } from '../jobs/sealing/payload-key.errors';
import { ReportsService } from './reports.service';

/** Downloads, by the report's own tenant only: another tenant's report does not exist. */
@Controller('reports')
@UseGuards(JwtAuthGuard)
export class ReportsController {
  private readonly logger = new Logger(ReportsController.name);

  constructor(private readonly reports: ReportsService) {}

  @Get(':id')
  async download(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Res() res: Response): Promise<void> {
    const found = await this.reports.open(principal.organizationId, id);
    if (found === 'expired') throw new GoneException(`report ${id} has expired`);
    if (found === 'unreadable')
      throw new GoneException(`report ${id} is unreadable: its organization's data key was destroyed, or the file was altered`);
    if (!found) throw new NotFoundException(`no report ${id}`);
    const { report, content } = found;
    res.status(200).set({
      'Content-Type': REPORT_CONTENT_TYPES[report.format],
      'Content-Length': String(report.bytes),
      'Content-Disposition': `attachment; filename="cases-${report.createdAt.toISOString().slice(0, 10)}-${report.id.slice(0, 8)}.${report.format}"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    // A client that goes away mid-download ends the pipeline; nothing is left to answer. A segment
    // that fails its check cuts the download off before any of its bytes are sent.
    await pipeline(content, res).catch((err: unknown) => {
      if (err instanceof PayloadKeyError) this.logger.warn(`report ${report.id} of ${report.organizationId}: ${err.message}`);
    });
  }
}
