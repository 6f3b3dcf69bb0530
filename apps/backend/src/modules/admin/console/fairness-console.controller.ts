import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { AdminPrincipal } from '../../auth/admin-auth';
import { AdminAuthGuard, CurrentAdmin } from '../../auth/admin-auth.guard';
import { TenantWeightsService } from '../tenant-weights.service';
import { sendPage } from './html-page';
import { fairnessPage } from './fairness.views';

/** Tenant fairness at a glance, for every admin role: who has jobs waiting on each queue, and the weights. */
@Controller('admin/fairness')
@UseGuards(AdminAuthGuard)
export class FairnessConsoleController {
  constructor(private readonly fairness: TenantWeightsService) {}

  @Get()
  async page(@CurrentAdmin() admin: AdminPrincipal, @Res() res: Response): Promise<void> {
    sendPage(res, 200, fairnessPage(admin, await this.fairness.view()));
  }
}
