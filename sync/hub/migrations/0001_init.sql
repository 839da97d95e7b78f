-- Devices: terminals registered by an operator. Only a SHA-256 of the
-- bearer token is kept.
CREATE TABLE devices (
    id          text PRIMARY KEY,
    site_id     text NOT NULL DEFAULT '',
    token_hash  bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    last_seen   timestamptz
);

-- Pass records, one row per record id whatever how often it was pushed.
CREATE TABLE records (
    id          uuid PRIMARY KEY,
    time        timestamptz NOT NULL,
    terminal_id text NOT NULL,
    site_id     text NOT NULL,
    code_id     text NOT NULL DEFAULT '',
    format      text NOT NULL DEFAULT '',
    issuer      text NOT NULL DEFAULT '',
    color       text NOT NULL,
    proxy       boolean NOT NULL DEFAULT false,
    celsius     double precision,
    outcome     text NOT NULL,
    reason      text NOT NULL,
    device_id   text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
-- "Who passed checkpoint X between T1 and T2".
CREATE INDEX records_site_time ON records (site_id, time);
-- "Where was code C seen".
CREATE INDEX records_code_time ON records (code_id, time) WHERE code_id <> '';

-- Signed documents as the health authority published them.
CREATE TABLE trust_lists (
    version      bigint PRIMARY KEY,
    signed       bytea NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE policies (
    version      bigint PRIMARY KEY,
    signed       bytea NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);

-- Every revoked hash with the batch that added it.
CREATE TABLE revoked_hashes (
    hash bytea PRIMARY KEY,
    seq  bigint NOT NULL
);
-- Signed delta batches (seq follows prev = seq - 1) and snapshots (the whole
-- set as of seq).
CREATE TABLE revocation_deltas (
    seq          bigint PRIMARY KEY,
    count        integer NOT NULL,
    signed       bytea NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE revocation_snapshots (
    seq          bigint PRIMARY KEY,
    count        integer NOT NULL,
    signed       bytea NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);
