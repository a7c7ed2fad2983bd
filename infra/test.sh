#!/usr/bin/env bash
# Body of `npm test`: make sure the local stack is up (a few seconds when it
# already is), then run vitest against the TEST database and Redis db 1, so a
# test run never touches the dev data. Already-set APP_ENV_* values win (CI or
# a developer pointing at other services). Extra args go to vitest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash infra/stack.sh up >/dev/null || { echo "test: the stack did not come up (see the lines above / .stack/logs)" >&2; exit 1; }

export APP_ENV_DB_URL="${APP_ENV_DB_URL:-postgresql://postgres:postgres@127.0.0.1:${SF_PG_PORT:-5432}/seller_finance_test}"
export APP_ENV_REDIS_URL="${APP_ENV_REDIS_URL:-redis://127.0.0.1:${SF_REDIS_PORT:-6379}/1}"
export APP_ENV_KAFKA_BROKERS="${APP_ENV_KAFKA_BROKERS:-127.0.0.1:${SF_KAFKA_PORT:-9092}}"
export APP_ENV_TEMPORAL_ADDRESS="${APP_ENV_TEMPORAL_ADDRESS:-127.0.0.1:${SF_TEMPORAL_PORT:-7233}}"

exec npx vitest run "$@"
