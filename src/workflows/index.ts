// Deterministic workflow code only (lint enforces it): no I/O, activity *types* only.
export { postEventWorkflow } from './post-event.js';
export { provisionMerchantWorkflow } from './provision-merchant.js';
export { manualVoucherWorkflow } from './manual-voucher.js';
export { voidVoucherWorkflow } from './void-voucher.js';
