import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Put, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { AdminPrincipal } from '../auth/admin-auth';
import { AdminAuthGuard, CurrentAdmin, RequireAdminRole } from '../auth/admin-auth.guard';
import { knownFieldsOnly, parseOr400 } from '../http/validation';
import { TenantWeightsService } from './tenant-weights.service';
import type { FairnessView } from './tenant-weights.service';
import type { TenantWeight } from '../jobs/fairness/tenant-weights.repository';

const organizationSchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' })
  .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' });
const whole = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });
const weightBody = knownFieldsOnly(
  {
    weight: whole(1, 100),
    // null (or left out): the configured limit applies to the tenant.
    maxPending: whole(0, 10_000_000).nullable().optional(),
    aiCallsPerMinute: whole(0, 1_000_000).nullable().optional(),
  },
  'is not a field of a tenant weight (weight, maxPending, aiCallsPerMinute)',
);

/**
 * Tenant fairness (docs/fairness.md): every admin reads who is using each queue and the tenants'
 * weights and limits; operators change them, and every process applies a change within
 * FAIRNESS_WEIGHTS_REFRESH_MS.
 */
@Controller('admin/api/fairness')
@UseGuards(AdminAuthGuard)
export class FairnessController {
  constructor(private readonly weights: TenantWeightsService) {}

  @Get()
  view(): Promise<FairnessView> {
    return this.weights.view();
  }

  @Put('weights/:organizationId')
  @RequireAdminRole('operator')
  async set(@Param('organizationId') org: string, @Body() body: unknown, @CurrentAdmin() admin: AdminPrincipal): Promise<TenantWeight> {
    const organizationId = parseOr400(organizationSchema, org, ['organizationId']);
    const { weight, maxPending, aiCallsPerMinute } = parseOr400(weightBody, body);
    return this.weights.set(organizationId, { weight, maxPending: maxPending ?? null, aiCallsPerMinute: aiCallsPerMinute ?? null }, admin);
  }

  @Delete('weights/:organizationId')
  @HttpCode(204)
  @RequireAdminRole('operator')
  async reset(@Param('organizationId') org: string, @CurrentAdmin() admin: AdminPrincipal): Promise<void> {
    const organizationId = parseOr400(organizationSchema, org, ['organizationId']);
    if (!(await this.weights.reset(organizationId, admin)))
      throw new NotFoundException(`organization ${organizationId} has the default weight`);
  }
}
