import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Registered on the server (infra/stack.sh, docker-compose.yml) so operators can filter in the UI. */
export const MERCHANT_ID = defineSearchAttributeKey('MerchantId', SearchAttributeType.KEYWORD);
export const EVENT_TYPE = defineSearchAttributeKey('EventType', SearchAttributeType.KEYWORD);
export const VOUCHER_NUMBER = defineSearchAttributeKey('VoucherNumber', SearchAttributeType.KEYWORD);
