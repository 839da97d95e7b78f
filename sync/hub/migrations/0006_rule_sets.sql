-- Site rule sets (package rules, issue 17): signed COSE_Sign1 documents,
-- versions strictly increasing, served newest first at /v1/rules.
-- (First written as 0017 on its own branch; renumbered after the hub migrations it merged with.)
CREATE TABLE rule_sets (
    version      bigint PRIMARY KEY,
    set_id       text NOT NULL,
    signed       bytea NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);

-- Every record names the site rule that decided it (empty: built-in policy).
ALTER TABLE records
    ADD COLUMN rule_set text NOT NULL DEFAULT '',
    ADD COLUMN rule     text NOT NULL DEFAULT '';
