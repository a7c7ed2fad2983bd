import { defineConfig } from 'prisma/config';

// The CLI reads the database URL from here (Prisma 7 no longer takes it from
// schema.prisma). The runtime uses src/config instead.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.APP_ENV_DB_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/seller_finance',
    shadowDatabaseUrl:
      process.env.APP_ENV_SHADOW_DB_URL ??
      'postgresql://postgres:postgres@127.0.0.1:5432/seller_finance_shadow',
  },
});
