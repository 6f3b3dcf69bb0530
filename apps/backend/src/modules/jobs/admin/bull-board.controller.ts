import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import type { AppConfig } from '../../../config/configuration';
import { APP_CONFIG } from '../../../config/app-config.module';
import { adminBasicAuth, AdminAuthenticator } from '../../auth/admin-auth';
import { redactBoardForViewer } from '../../admin/board-viewer';
import { ADMIN_QUEUES_ROUTE } from '../../http/routes';
import { JobsModule } from '../jobs.module';
import { QUEUES, DEAD_LETTER_QUEUE_NAME } from '../queues';

/** Bull Board at /admin/queues: every queue of the registry, the dead-letter queue read-only. */
@Module({
  imports: [
    JobsModule,
    BullBoardModule.forRootAsync({
      inject: [APP_CONFIG, AdminAuthenticator],
      useFactory: (config: AppConfig, auth: AdminAuthenticator) => ({
        route: ADMIN_QUEUES_ROUTE,
        adapter: ExpressAdapter,
        // Pages, assets and the board's own API all sit behind the admin credentials; viewers
        // may only read (every board action is a PUT, POST or PATCH), and see payloads redacted.
        middleware: adminBasicAuth(auth, config.http.publicUrl, redactBoardForViewer),
        boardOptions: { uiConfig: { boardTitle: 'Ethico jobs' } },
      }),
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
