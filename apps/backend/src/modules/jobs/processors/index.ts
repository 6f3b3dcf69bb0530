export * from './ai.processor';
export * from './email.processor';
export * from './indexing.processor';
export * from '../runtime/job-payload';
