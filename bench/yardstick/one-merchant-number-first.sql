-- one merchant, number taken first: every voucher is numbered in merchant 1's
-- series right after the account locks, so the counter row stays locked for
-- the whole transaction and serializes the merchant's postings. Kept to show
-- why the ledger takes the number last (compare with the next scenario).
\set debit random(1, 2000)
\set credit random(1, 2000)
BEGIN;
SELECT id, balance, posting_sequence FROM yardstick_account WHERE id IN (:debit, :credit) ORDER BY id FOR UPDATE;
UPDATE yardstick_counter SET last_number = last_number + 1 WHERE merchant = 1 RETURNING last_number;
INSERT INTO yardstick_voucher (merchant, source_id, voucher_number) VALUES (1, md5(random()::text || clock_timestamp()::text), 0);
WITH moved AS (UPDATE yardstick_account SET balance = balance + 10, posting_sequence = posting_sequence + 1 WHERE id = :debit RETURNING posting_sequence, balance)
  INSERT INTO yardstick_line (voucher_id, line_number, account_id, direction, amount, posting_sequence, balance_after)
  SELECT currval('yardstick_voucher_id_seq'), 1, :debit, 'D', 10, posting_sequence, balance FROM moved;
WITH moved AS (UPDATE yardstick_account SET balance = balance - 10, posting_sequence = posting_sequence + 1 WHERE id = :credit RETURNING posting_sequence, balance)
  INSERT INTO yardstick_line (voucher_id, line_number, account_id, direction, amount, posting_sequence, balance_after)
  SELECT currval('yardstick_voucher_id_seq'), 2, :credit, 'C', 10, posting_sequence, balance FROM moved;
COMMIT;
