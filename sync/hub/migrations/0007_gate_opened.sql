-- Whether the terminal's gate relay confirmed opening for the verdict
-- (checkpoint.Record.GateOpened; false for records of terminals without a
-- gate and for records stored before this column).
ALTER TABLE records ADD COLUMN gate_opened boolean NOT NULL DEFAULT false;
