import { adminSection } from './admin.config';
import { aiSection } from './ai.config';
import { authSection } from './auth.config';
import { casesSection } from './cases.config';
import { databaseSection } from './database.config';
import { emailSection } from './email.config';
import { fairnessSection } from './fairness.config';
import { httpSection } from './http.config';
import { operationsSection } from './operations.config';
import { payloadKeysSection } from './payload-keys.config';
import { queueSection } from './queue.config';
import { redisSection } from './redis.config';
import { schedulesSection } from './schedules.config';
import { reportsSection } from './reports.config';
import { searchSection } from './search.config';

export { processSection } from './process.config';

/** AppConfig's sections by key: `config.redis` is what redisSection produces. */
export const SECTIONS = {
  http: httpSection,
  redis: redisSection,
  database: databaseSection,
  queue: queueSection,
  fairness: fairnessSection,
  auth: authSection,
  admin: adminSection,
  operations: operationsSection,
  cases: casesSection,
  schedules: schedulesSection,
  search: searchSection,
  email: emailSection,
  ai: aiSection,
  reports: reportsSection,
  payloadKeys: payloadKeysSection,
};
