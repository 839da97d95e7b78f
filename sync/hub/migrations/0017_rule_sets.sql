-- Site rule sets (package rules, issue 17): signed COSE_Sign1 documents,
-- versions strictly increasing, served newest first at /v1/rules.
-- Numbered 17 (after the issue) so that other migrations added alongside
-- keep their own numbers.
CREATE TABLE rule_sets (
    version      bigint PRIMARY KEY,
    set_id       text NOT NULL,
    signed       bytea NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);
