import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '../../../config/configuration';
import { APP_CONFIG } from '../../../config/app-config.module';
import { adminBasicAuth, AdminAuthenticator } from '../../auth/admin-auth';
import { AdminModule } from '../../admin/admin.module';
import { BoardAudit } from '../../admin/board-audit';
import { redactBoardForViewer } from '../../admin/board-viewer';
import { DeadLetterAuditRepository } from '../../admin/dead-letter-audit.repository';
import { BullQueues } from '../bull-queues';
import { ADMIN_QUEUES_ROUTE } from '../../http/routes';
import { JobsModule } from '../jobs.module';
import { QUEUES, DEAD_LETTER_QUEUE_NAME } from '../queues';

/** Bull Board at /admin/queues: every queue of the registry, the dead-letter queue read-only. */
@Module({
  imports: [
    JobsModule,
    BullBoardModule.forRootAsync({
      imports: [AdminModule, JobsModule],
      inject: [APP_CONFIG, AdminAuthenticator, DeadLetterAuditRepository, BullQueues],
      useFactory: (config: AppConfig, auth: AdminAuthenticator, audit: DeadLetterAuditRepository, queues: BullQueues) => {
        const trail = new BoardAudit(audit, queues);
        const authenticate = adminBasicAuth(auth, config.http.publicUrl, redactBoardForViewer, (req, principal) =>
          trail.refused(req, principal),
        );
        const record = trail.middleware();
        return {
          route: ADMIN_QUEUES_ROUTE,
          adapter: ExpressAdapter,
          // Pages, assets and the board's own API all sit behind the admin credentials; viewers
          // may only read (every board action is a PUT, POST or PATCH), and see payloads redacted
          // and no action buttons. Writes, refused writes and operators' payload reads are audited.
          middleware: (req: Request, res: Response, next: NextFunction) => authenticate(req, res, () => record(req, res, next)),
          boardOptions: { uiConfig: { boardTitle: 'Ethico jobs' } },
        };
      },
    }),
    ...QUEUES.map((def) =>
      BullBoardModule.forFeature({
        name: def.name,
        adapter: BullMQAdapter,
        options: {
          displayName: def.displayName,
          description: def.description,
          readOnlyMode: def.name === DEAD_LETTER_QUEUE_NAME,
        },
      }),
    ),
  ],
})
export class QueueDashboardModule {}
