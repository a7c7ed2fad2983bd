import { CLIENT_ADDRESSES } from './rows/client-address.js';
import { EVENTS } from './rows/events.js';
import { IDENTITIES } from './rows/identity.js';
import { INPUT } from './rows/input.js';
import { ORACLE } from './rows/oracle.js';
import { TENANCY } from './rows/tenancy.js';
import { WORKFLOWS } from './rows/workflows.js';

/**
 * The attack table: who sends what, and the one answer the service must give.
 * attacks.test.ts runs every row against the real stack: HTTP and WebSocket
 * requests over real sockets, as behind the production reverse proxy, and
 * workflows started straight on Temporal. Adding a case is adding a row to the
 * theme it belongs to (rows/*.ts).
 *
 * Placeholders in braces are filled per row from the fixture (attacks.test.ts);
 * a placeholder names the same value everywhere in its row:
 *   {mine} {theirs} {ghost}              merchant ids: callers are granted on `mine`; `ghost` does not exist
 *   {mine.CASH} {theirs.BANK} …           account ids by code; {noAccount}: an id no account has
 *   {mine.voucher} {theirs.voucher}       a SALE voucher of that merchant, posted for the row; {noVoucher}
 *   {theirs.integration}                  a payment integration of `theirs`; {noIntegration}
 *   {mine.event} {theirs.event}           an ingested event's record (RECEIVED) of that merchant; {noEvent}
 *   {viewer} {accountant} {admin}         users granted that role on `mine`
 *   {adminOfBoth}                         a user who is admin on `mine` and on `theirs`
 *   {stranger}                            a user with no grant at all
 *   {unique}                              a fresh name (a user, an Idempotency-Key, an event id)
 *   {now}                                 the moment the row runs, ISO 8601
 *   {text:N} {digits:N}                   N characters of text in several scripts / N nines
 *   {n}                                   (headers only) the repetition: 0, 1, 2… (see `times`)
 *   {target}                              (expected message only) the row's `target`
 */

/** How the caller gets in. */
export type Who =
  | { anonymous: true }
  | {
      /** A fixture user (`{viewer}`…) or a literal JWT subject (e.g. a role name). */
      sub: string;
      /** A token that is wrong in one way; default: a valid one. */
      token?: 'valid' | 'expired' | 'not-yet-valid' | 'wrong-issuer' | 'wrong-audience';
      /** Where the token goes; default: the Authorization header. */
      tokenIn?: 'header' | 'query';
    }
  /** A token made by someone without the identity provider's private key. */
  | { forged: 'alg-none' | 'hs256-public-key' | 'unknown-kid' | 'tampered-sub' | 'foreign-key' }
  /**
   * A client of the Temporal namespace that starts a workflow itself, past the
   * API's validation (another service, a script, a limit that drifted).
   */
  | { temporalClient: true };

/** A request to the API under /v1/api/finance. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** A WebSocket upgrade instead of a plain request (path is then /ws). */
  websocket?: boolean;
  /**
   * Where the connection comes from. `proxy` (default): from the trusted
   * reverse proxy (127.0.0.1), which appends the client's address, one of its
   * own per row unless `client` names it, to X-Forwarded-For.
   * `direct`: straight from an address that is not a trusted proxy.
   */
  via?: 'proxy' | 'direct';
  /** The client address the proxy forwards (via proxy only). */
  client?: string;
  /** Sent this many times; the expectation is checked on the last answer. */
  times?: number;
}

/** A workflow started on the API's task queue (who: a Temporal client). */
export interface WorkflowStart {
  workflow: 'voidVoucherWorkflow' | 'manualVoucherWorkflow' | 'postEventWorkflow';
  workflowId: string;
  input: unknown;
}

/** The answer to an HTTP request. */
export interface HttpAnswer {
  status: number;
  /** The error body's `code`. */
  code?: string;
  /** The error body's `message`, exactly. */
  message?: string;
  /** A subset the JSON body must match. */
  body?: unknown;
  /** The whole JSON body. */
  bodyIs?: unknown;
  /** The answer comes within this long (e.g. while another transaction holds a row lock). */
  withinMs?: number;
}

/** How a workflow must end: failed for good, with a code, without retrying. */
export interface WorkflowFailure {
  /** The failure's type: a code of the ledger's closed set. */
  failure: string;
  message?: RegExp;
  /** Activity attempts made: 1 means it failed at once. */
  attempts: number;
}

/** What the ledger holds once the row has run. */
export type Leaves = { voucher: string; status: 'POSTED' | 'VOIDED' } | { noVoucherFromSource: string };

export interface Attack {
  name: string;
  who: Who;
  request: HttpRequest | WorkflowStart;
  expect: HttpAnswer | WorkflowFailure;
  /** The row starts a workflow that must run (a manual voucher, a void): it is sent to the API whose task queue a worker polls. */
  needsWorker?: boolean;
  /** Requests sent first whose answers are not checked (e.g. someone else using up a rate limit). */
  before?: (HttpRequest & { who?: Who })[];
  /** An account whose row another transaction holds `FOR UPDATE` while the request runs. */
  whileLocked?: string;
  leaves?: Leaves;
  /** Rows with the same value must answer identically once their `target` is masked. */
  oracle?: string;
  /** The foreign or missing entity the row names; `{target}` in the expected message stands for it. */
  target?: string;
}

/** Every row, by theme. */
export const ATTACK_THEMES: { theme: string; rows: Attack[] }[] = [
  { theme: 'role names are not identities, and tokens are checked', rows: IDENTITIES },
  { theme: 'other tenants’ ids in path, body and query', rows: TENANCY },
  { theme: 'client addresses behind the reverse proxy', rows: CLIENT_ADDRESSES },
  { theme: 'nothing accepted that cannot be stored', rows: INPUT },
  { theme: 'another merchant’s entity answers like a missing one', rows: ORACLE },
  { theme: 'ingested events: another tenant’s is missing, a bad filter is a 400', rows: EVENTS },
  { theme: 'the worker fails at once, with a code, whatever gets past the API', rows: WORKFLOWS },
];

export const ATTACKS: Attack[] = ATTACK_THEMES.flatMap(({ rows }) => rows);
