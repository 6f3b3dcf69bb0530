export * from './job-data.types';
export * from './job-registry';
export * from './payload-validation';
