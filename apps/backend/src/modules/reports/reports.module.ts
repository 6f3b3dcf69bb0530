import { Module } from '@nestjs/common';
import type { AppConfig } from '../../config/configuration';
import { APP_CONFIG } from '../../config/app-config.module';
import { SealingModule } from '../jobs/sealing/sealing.module';
import { CaseExportService } from './case-export.service';
import { LocalReportStore } from './local-report-store';
import { ReportExpiryScheduler } from './report-expiry.scheduler';
import { REPORT_STORE } from './report-store';
import { ReportsRepository } from './reports.repository';
import { ReportsService } from './reports.service';

/** Case exports (written in processes consuming `reports`), the report store (files sealed per tenant), downloads and expiry. */
@Module({
  imports: [SealingModule],
  providers: [
    { provide: REPORT_STORE, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new LocalReportStore(config.reports.dir) },
    ReportsRepository,
    ReportsService,
    CaseExportService,
    ReportExpiryScheduler,
  ],
  exports: [CaseExportService, ReportsService, ReportExpiryScheduler],
})
export class ReportsModule {}
