-- The highest revocation batch and policy version a terminal of the
-- current series has reported holding. A hub restored from a backup sees
-- terminals ahead of it and refuses to hand those numbers out again until
-- a new series is started (hub revocations snapshot --new-dataset).
ALTER TABLE hub_state ADD COLUMN revocation_seen bigint NOT NULL DEFAULT 0,
    ADD COLUMN policy_seen bigint NOT NULL DEFAULT 0;
