import { Body, Controller, ForbiddenException, Get, Put, UseGuards } from '@nestjs/common';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { CurrentPrincipal, isTenantAdmin, Principal } from '../auth/principal';
import { parseOr400 } from '../http/validation';
import { ScheduleView, updateSchedulesSchema } from './schedule.types';
import { SchedulesService } from './schedules.service';

/** The caller's tenant's recurring jobs: every member reads them, tenant admins change them within the limits. */
@Controller('schedules')
@UseGuards(JwtAuthGuard)
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Get()
  async list(@CurrentPrincipal() principal: Principal): Promise<{ items: ScheduleView[] }> {
    return { items: await this.schedules.view(principal.organizationId) };
  }

  @Put()
  async update(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<{ items: ScheduleView[] }> {
    if (!isTenantAdmin(principal)) throw new ForbiddenException('changing schedules needs a tenant admin token (role: "admin")');
    const input = parseOr400(updateSchedulesSchema, body);
    return { items: await this.schedules.update(principal.organizationId, input, principal.userId) };
  }
}
