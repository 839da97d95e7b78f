-- Records partitioned by day (declarative range partitioning on time), so
-- retention drops whole partitions and a query over a time range reads only
-- its days. The hub creates partitions ahead and drops them past its
-- retention (MaintainPartitions). Existing rows move into the partitions
-- their days need.
--
-- Uniqueness: a primary key on a partitioned table must hold the partition
-- key, so it is (id, time); ingest also skips an id already present in any
-- partition (records_id), which keeps a record exactly once by its id.
ALTER TABLE records RENAME TO records_unpartitioned;
ALTER INDEX records_pkey RENAME TO records_unpartitioned_pkey;
ALTER INDEX records_site_time RENAME TO records_unpartitioned_site_time;
ALTER INDEX records_code_time RENAME TO records_unpartitioned_code_time;

CREATE TABLE records (
    id          uuid NOT NULL,
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
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, time)
) PARTITION BY RANGE (time);
CREATE INDEX records_id ON records (id);
-- "Who passed checkpoint X between T1 and T2".
CREATE INDEX records_site_time ON records (site_id, time);
-- "Where was code C seen".
CREATE INDEX records_code_time ON records (code_id, time) WHERE code_id <> '';
-- Time-range scans over whole days: tiny, and rows arrive in time order.
CREATE INDEX records_time_brin ON records USING brin (time);

DO $$
DECLARE d timestamp;
BEGIN
    FOR d IN SELECT DISTINCT date_trunc('day', time AT TIME ZONE 'UTC') FROM records_unpartitioned LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF records FOR VALUES FROM (%L) TO (%L)',
            'records_p' || to_char(d, 'YYYYMMDD'), d AT TIME ZONE 'UTC', (d + interval '1 day') AT TIME ZONE 'UTC');
    END LOOP;
END $$;
INSERT INTO records SELECT * FROM records_unpartitioned;
DROP TABLE records_unpartitioned;
