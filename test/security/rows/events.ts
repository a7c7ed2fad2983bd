/**
 * GET /events and GET /events/:id: another tenant's event answers exactly
 * like a missing one (and like a malformed id, which cannot name any event);
 * a bad filter or page size is a 400; nothing is a 5xx.
 */
import type { Attack } from '../attack-table.js';
import { EMPTY_PAGE, UNAUTHENTICATED, VALIDATION_FAILED, notFound } from './common.js';

const EVENT_NOT_FOUND = notFound('event');

/** Ids that name no event of the caller's: another tenant's, a missing one, ones no event can have. */
const UNSEEN_EVENTS: { what: string; target: string }[] = [
  { what: 'another merchant’s event', target: '{theirs.event}' },
  { what: 'a missing event', target: '{noEvent}' },
  { what: 'a malformed id (space and slash-free punctuation)', target: 'not%20an%20id!' },
  { what: 'an id with a NUL', target: 'evt%00x' },
  { what: 'an id with an escape sequence', target: 'evt%1B%5B31m' },
  { what: 'an id with a newline', target: 'evt%0Ax' },
  { what: 'an id one character longer than an event id may be', target: 'e'.repeat(161) },
];

/** Answered by the router before any route: like any path that routes nowhere. */
const ROUTE_NOT_FOUND = { status: 404, code: 'NOT_FOUND', message: 'route not found' };

export const EVENTS: Attack[] = [
  {
    name: 'GET /events/{mine.event} by a viewer of mine (the control: the same route answers)',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: '/events/{mine.event}' },
    expect: { status: 200, body: { id: '{mine.event}', merchantId: '{mine}', status: 'RECEIVED' } },
  },
  ...UNSEEN_EVENTS.map(({ what, target }): Attack => ({
    name: `GET /events/:id with ${what}`,
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: `/events/${target}` },
    expect: EVENT_NOT_FOUND,
    oracle: 'event by id',
    target,
  })),
  {
    name: 'GET /events/:id with an id longer than any route parameter',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: `/events/${'e'.repeat(400)}` },
    expect: ROUTE_NOT_FOUND,
  },
  {
    name: 'GET /events/:id with a broken percent-encoding',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: '/events/evt%E0%A4%A' },
    expect: ROUTE_NOT_FOUND,
  },
  {
    name: 'another merchant’s event, asked for by an admin of mine',
    who: { sub: '{admin}' },
    request: { method: 'GET', path: '/events/{theirs.event}' },
    expect: EVENT_NOT_FOUND,
  },
  ...(['{theirs}', '{ghost}'] as const).map((target): Attack => ({
    name: `events filtered on merchant ${target}`,
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: `/events?merchantId=${target}` },
    expect: EMPTY_PAGE,
    oracle: 'event list',
    target,
  })),
  {
    name: 'sub "viewer" (a role name) lists events',
    who: { sub: 'viewer' },
    request: { method: 'GET', path: '/events' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'sub "role:admin" reads another merchant’s event',
    who: { sub: 'role:admin' },
    request: { method: 'GET', path: '/events/{theirs.event}' },
    expect: UNAUTHENTICATED,
  },
  ...[
    ['an unknown status', 'status=BOGUS'],
    ['a status in lower case', 'status=posted'],
    ['a status with a NUL', 'status=POSTED%00'],
    ['two statuses', 'status=POSTED&status=FAILED'],
    ['a type with a control character', 'type=sale.order%1Bcompleted'],
    ['a type longer than any event type', `type=${'t'.repeat(65)}`],
    ['a merchant id that is not an id', 'merchantId=1%20OR%201=1'],
    ['a limit of 0', 'limit=0'],
    ['a negative limit', 'limit=-1'],
    ['a limit above the maximum', 'limit=201'],
    ['a 20-digit limit', 'limit=99999999999999999999'],
    ['a fractional limit', 'limit=1.5'],
    ['a from that is not a time', 'from=yesterday'],
    ['a forged cursor', 'cursor=eyJyIjoiMjAyNi0wMS0wMSIsImlkIjoiJyBPUiAxPTEifQ'],
    ['an unknown filter', 'workflowId=finance-event-x'],
  ].map(([what, query]): Attack => ({
    name: `GET /events with ${what}`,
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: `/events?${query}` },
    expect: VALIDATION_FAILED,
  })),
];
