-- The SHA-256 of every signed revocation document the hub has published
-- (deltas, withdrawals, snapshots; a snapshot re-signed at the same number
-- adds a row), kept when deltas are pruned. A terminal sends the digest of
-- the newest document it installed (GET /v1/revocations?have=<hex>); when
-- the hub recorded a delta at that number and none of its documents there
-- has that digest, the hub reused the number after a restore from backup
-- and answers 409 instead of silently serving nothing.
CREATE TABLE revocation_digests (
    seq    bigint NOT NULL,
    sha256 bytea NOT NULL,
    delta  boolean NOT NULL,
    PRIMARY KEY (seq, sha256)
);

CREATE FUNCTION record_revocation_digest() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO revocation_digests (seq, sha256, delta)
        VALUES (NEW.seq, sha256(NEW.signed), TG_TABLE_NAME = 'revocation_deltas')
        ON CONFLICT DO NOTHING;
    RETURN NEW;
END $$;

CREATE TRIGGER revocation_deltas_digest AFTER INSERT OR UPDATE OF signed ON revocation_deltas
    FOR EACH ROW EXECUTE FUNCTION record_revocation_digest();
CREATE TRIGGER revocation_snapshots_digest AFTER INSERT OR UPDATE OF signed ON revocation_snapshots
    FOR EACH ROW EXECUTE FUNCTION record_revocation_digest();

INSERT INTO revocation_digests (seq, sha256, delta)
    SELECT seq, sha256(signed), true FROM revocation_deltas
    UNION ALL SELECT seq, sha256(signed), false FROM revocation_snapshots
    ON CONFLICT DO NOTHING;
