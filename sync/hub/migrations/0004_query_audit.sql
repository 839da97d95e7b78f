-- Every investigation query: who asked, when, with what filter, and how
-- many records it returned (NULL while running or when it failed).
CREATE TABLE query_audit (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    operator text NOT NULL,
    db_user  text NOT NULL DEFAULT current_user,
    kind     text NOT NULL,
    filter   jsonb NOT NULL,
    rows     integer
);
CREATE INDEX query_audit_at ON query_audit (at);
