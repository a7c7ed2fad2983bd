-- Runs once, when the postgres container initialises an empty volume
-- (docker-entrypoint-initdb.d). POSTGRES_DB already created seller_finance.
CREATE DATABASE seller_finance_test;   -- npm test
CREATE DATABASE seller_finance_shadow; -- Prisma shadow database (migrate dev / drift check)
CREATE DATABASE yardstick;             -- npm run bench
