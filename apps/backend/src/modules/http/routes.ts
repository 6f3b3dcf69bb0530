/** Where the HTTP surface is mounted; the dashboard and /health stay outside the API prefix. */
export const API_PREFIX = 'api/v1';
/** Bull Board's mount point (the seed's /admin/queues). */
export const ADMIN_QUEUES_ROUTE = '/admin/queues';
