-- The hub's series and counters. Numbers handed out here only go up, so
-- pruning deltas or deleting rows never makes the hub announce an older
-- number or reuse one. dataset names the series: a new one is started
-- (hub revocations snapshot --new-dataset) after a restore from backup.
CREATE TABLE hub_state (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    dataset        uuid NOT NULL DEFAULT gen_random_uuid(),
    revocation_seq bigint NOT NULL DEFAULT 0,
    policy_version bigint NOT NULL DEFAULT 0
);
INSERT INTO hub_state (revocation_seq, policy_version) SELECT
    greatest((SELECT coalesce(max(seq), 0) FROM revocation_deltas), (SELECT coalesce(max(seq), 0) FROM revocation_snapshots)),
    (SELECT coalesce(max(version), 0) FROM policies);

-- Which series a signed row belongs to and when it stops being installable
-- (NULL for rows signed before format version 2: terminals refuse those,
-- publish a fresh snapshot and policy after upgrading).
ALTER TABLE revocation_deltas ADD COLUMN dataset uuid, ADD COLUMN expires_at timestamptz;
ALTER TABLE revocation_snapshots ADD COLUMN dataset uuid, ADD COLUMN expires_at timestamptz;
ALTER TABLE policies ADD COLUMN dataset uuid;

-- The roots the hub checks every document against before publishing it.
CREATE TABLE roots (
    fingerprint text PRIMARY KEY,
    pem         text NOT NULL,
    added_at    timestamptz NOT NULL DEFAULT now()
);
