/**
 * How long an event may wait for what it needs (its merchant, a control
 * account, the database): `APP_ENV_MISSING_ACCOUNT_RETRY_HOURS`, enforced by
 * the worker's activities. The longest window the configuration accepts is
 * also the workflows' own backstop bound.
 */
export const DEFAULT_RETRY_WINDOW_HOURS = 6;
export const LONGEST_RETRY_WINDOW_HOURS = 24 * 30;
export const LONGEST_RETRY_WINDOW = `${LONGEST_RETRY_WINDOW_HOURS} hours` as const;
