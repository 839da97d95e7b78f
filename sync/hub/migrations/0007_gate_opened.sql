-- Every record notes whether a gate relay confirmed opening (package gate;
-- only ever on a PASS).
ALTER TABLE records ADD COLUMN gate_opened boolean NOT NULL DEFAULT false;
