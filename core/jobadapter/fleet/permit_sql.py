"""Taking a permit on PostgreSQL in one round trip: the checks as a function in the database.

:meth:`FleetLimits.acquire <jobadapter.fleet.limits.FleetLimits.acquire>`
statement by statement is BEGIN, six statements and COMMIT: eight round trips
to the database per poll, most of a fleet worker's time spent waiting on them.
The same steps in one PL/pgSQL function run as one autocommitted ``SELECT``,
atomic on its own, with the same lock on the profile's bucket row.
Created (``CREATE OR REPLACE``) with the fleet's other tables, under their
advisory lock.
"""

from __future__ import annotations

#: Returns NULL when the permit is granted (its slot is written), else the
#: seconds to wait before asking again. Mirrors the statement-by-statement path.
FUNCTION = """
CREATE OR REPLACE FUNCTION fleet_take_permit(
    p_profile TEXT, p_burst DOUBLE PRECISION, p_rate DOUBLE PRECISION,
    p_max_in_flight INTEGER, p_full_wait DOUBLE PRECISION, p_now DOUBLE PRECISION,
    p_id TEXT, p_until DOUBLE PRECISION
) RETURNS DOUBLE PRECISION LANGUAGE plpgsql AS $$
DECLARE
    v_tokens DOUBLE PRECISION;
    v_updated DOUBLE PRECISION;
    v_busy INTEGER;
BEGIN
    INSERT INTO fleet_buckets (profile, tokens, updated) VALUES (p_profile, p_burst, p_now)
        ON CONFLICT (profile) DO NOTHING;
    SELECT tokens, updated INTO v_tokens, v_updated
        FROM fleet_buckets WHERE profile = p_profile FOR UPDATE;
    SELECT count(*) INTO v_busy FROM fleet_in_flight
        WHERE profile = p_profile AND until >= p_now;
    IF v_busy >= p_max_in_flight THEN
        RETURN p_full_wait;
    END IF;
    IF p_rate IS NOT NULL THEN
        v_tokens := LEAST(p_burst, v_tokens + GREATEST(0.0, p_now - v_updated) * p_rate);
        IF v_tokens < 1.0 THEN
            RETURN (1.0 - v_tokens) / p_rate;
        END IF;
        v_tokens := v_tokens - 1.0;
    END IF;
    UPDATE fleet_buckets SET tokens = v_tokens, updated = GREATEST(p_now, v_updated)
        WHERE profile = p_profile;
    DELETE FROM fleet_in_flight WHERE profile = p_profile AND until < p_now;
    INSERT INTO fleet_in_flight (id, profile, until) VALUES (p_id, p_profile, p_until);
    RETURN NULL;
END
$$
"""

CALL = "SELECT fleet_take_permit(%s, %s, %s, %s, %s, %s, %s, %s)"
