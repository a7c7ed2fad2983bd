-- Tables of the raw-SQL posting yardstick (bench/yardstick.ts), NOT the
-- ledger's schema: the least a voucher post must write (a voucher row, two
-- lines with their account's sequence and balance after, the two balances,
-- a per-merchant number), with none of the ledger's checks. Recreated on
-- every run, so give it a scratch database.
SET client_min_messages = warning;
DROP TABLE IF EXISTS yardstick_line, yardstick_voucher, yardstick_account, yardstick_counter;
CREATE TABLE yardstick_account (
  id bigint PRIMARY KEY,
  balance numeric(24, 4) NOT NULL DEFAULT 0,
  posting_sequence bigint NOT NULL DEFAULT 0
);
CREATE TABLE yardstick_voucher (
  id bigserial PRIMARY KEY,
  merchant bigint NOT NULL,
  source_id text NOT NULL,
  voucher_number bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (merchant, source_id)
);
CREATE TABLE yardstick_line (
  id bigserial PRIMARY KEY,
  voucher_id bigint NOT NULL REFERENCES yardstick_voucher (id),
  line_number int NOT NULL,
  account_id bigint NOT NULL,
  direction char(1) NOT NULL,
  amount numeric(24, 4) NOT NULL,
  posting_sequence bigint NOT NULL,
  balance_after numeric(24, 4) NOT NULL,
  deleted_at timestamptz
);
-- The ledger's partial unique index on an account's line sequence, which every line insert maintains.
CREATE UNIQUE INDEX yardstick_line_sequence ON yardstick_line (account_id, posting_sequence) WHERE deleted_at IS NULL;
CREATE TABLE yardstick_counter (merchant bigint PRIMARY KEY, last_number bigint NOT NULL DEFAULT 0);
-- 2,000 accounts; account n belongs to merchant (n % 100) + 1, so 100 merchants of 20 accounts.
INSERT INTO yardstick_account (id) SELECT n FROM generate_series(1, 2000) n;
INSERT INTO yardstick_counter (merchant) SELECT n FROM generate_series(1, 100) n;
