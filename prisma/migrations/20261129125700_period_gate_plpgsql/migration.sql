-- The period gate read (finance.period_closed_until, see the accounting
-- periods migration) in PL/pgSQL instead of SQL. A SQL function that cannot
-- be inlined is parsed and planned again by every statement that calls it:
-- every posting paid for it. PL/pgSQL keeps its plans for the session.
-- Still VOLATILE, so under READ COMMITTED its read runs on a fresh snapshot
-- taken after the gate was granted, and sees a close that committed while
-- the posting waited (the periods race test fails otherwise).
CREATE OR REPLACE FUNCTION "finance"."period_closed_until"(merchant BIGINT) RETURNS TIMESTAMPTZ
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  until TIMESTAMPTZ;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(1346720324, hashint8(merchant));
  SELECT closed_until INTO until FROM "finance"."Merchant" WHERE id = merchant;
  RETURN until;
END;
$$;
