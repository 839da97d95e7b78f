package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Caps on a pushed record's text fields, in bytes.
const (
	maxIDField     = 64  // terminal_id, site_id
	maxCodeField   = 128 // code_id, issuer
	maxReasonField = 64
)

// pushedRecord is a record as it arrives, before it is trusted: enumerated
// fields stay text until checked, so one unknown value refuses one record,
// not the batch.
type pushedRecord struct {
	ID         string   `json:"id"`
	Time       string   `json:"time"`
	TerminalID string   `json:"terminal_id"`
	SiteID     string   `json:"site_id"`
	CodeID     string   `json:"code_id"`
	Format     string   `json:"format"`
	Issuer     string   `json:"issuer"`
	Color      string   `json:"color"`
	Proxy      bool     `json:"proxy"`
	Celsius    *float64 `json:"celsius"`
	Outcome    string   `json:"outcome"`
	Reason     string   `json:"reason"`
}

// checkRecord turns one pushed record into a Record, or says why the hub
// will never take it: the id is a UUID; text fields are valid UTF-8
// without NUL and within their caps; colour, outcome and format are known
// values, the reason a lower-case code; the temperature is finite and
// between 0 and 100 °C; the time lies within [now-retention, now+maxFuture];
// the record is the pushing device's own (terminal id) at the site the
// device was registered to.
func (s *Server) checkRecord(raw json.RawMessage, dev device, now time.Time) (checkpoint.Record, string, error) {
	var p pushedRecord
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		var id struct {
			ID string `json:"id"`
		}
		json.Unmarshal(raw, &id) //nolint:errcheck // best effort, to name the record
		return checkpoint.Record{}, clip(id.ID), fmt.Errorf("not a record: %v", err)
	}
	name := clip(p.ID)
	id, err := uuid.Parse(p.ID)
	if err != nil || len(p.ID) != 36 {
		return checkpoint.Record{}, name, errors.New("id is not a UUID")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"terminal_id", p.TerminalID, maxIDField}, {"site_id", p.SiteID, maxIDField}, {"code_id", p.CodeID, maxCodeField},
		{"issuer", p.Issuer, maxCodeField}, {"reason", p.Reason, maxReasonField}, {"format", p.Format, 8}} {
		switch {
		case len(f.v) > f.max:
			return checkpoint.Record{}, name, fmt.Errorf("%s longer than %d bytes", f.name, f.max)
		case strings.IndexByte(f.v, 0) >= 0:
			return checkpoint.Record{}, name, fmt.Errorf("%s holds a NUL byte", f.name)
		case !utf8.ValidString(f.v):
			return checkpoint.Record{}, name, fmt.Errorf("%s is not UTF-8", f.name)
		}
	}
	r := checkpoint.Record{ID: id.String(), TerminalID: p.TerminalID, SiteID: p.SiteID, CodeID: p.CodeID, Issuer: p.Issuer,
		Proxy: p.Proxy, Celsius: p.Celsius, Reason: checkpoint.Reason(p.Reason), Outcome: checkpoint.ParseOutcome(p.Outcome)}
	if r.Time, err = time.Parse(time.RFC3339Nano, p.Time); err != nil {
		return r, name, errors.New("time is not RFC 3339")
	}
	if err := r.Color.UnmarshalText([]byte(p.Color)); err != nil {
		return r, name, fmt.Errorf("unknown color %q", clip(p.Color))
	}
	switch f := checkpoint.Format(p.Format); f {
	case "", checkpoint.FormatHealthCode, checkpoint.FormatDCC:
		r.Format = f
	default:
		return r, name, fmt.Errorf("unknown format %q", clip(p.Format))
	}
	switch {
	case r.Outcome == checkpoint.OutcomeNone:
		return r, name, fmt.Errorf("unknown outcome %q", clip(p.Outcome))
	case !isCode(p.Reason):
		return r, name, errors.New("reason is not a lower-case code")
	case r.Celsius != nil && (math.IsNaN(*r.Celsius) || *r.Celsius < 0 || *r.Celsius > 100):
		return r, name, errors.New("temperature outside 0..100 °C")
	case r.Time.Before(now.Add(-s.retention)):
		return r, name, fmt.Errorf("time %s is older than the hub's retention (%s)", r.Time.UTC().Format(time.RFC3339), s.retention)
	case r.Time.After(now.Add(s.maxFuture)):
		return r, name, fmt.Errorf("time %s is more than %s ahead of the hub", r.Time.UTC().Format(time.RFC3339), s.maxFuture)
	case r.TerminalID != dev.id:
		return r, name, errors.New("terminal id is not the pushing device")
	case r.SiteID != dev.site:
		return r, name, fmt.Errorf("site %q is not the site the device was registered to", clip(r.SiteID))
	}
	return r, name, r.Validate()
}

func isCode(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// clip makes a value from the network safe to echo: at most 64 bytes, valid
// UTF-8, no control characters.
func clip(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// push ingests a batch: every record is checked on its own; the good ones
// are stored (exactly once by id) and named in Stored, the bad ones named
// in Rejected with the reason. The batch as a whole is refused only when
// it is not a batch: a wrong content type (415), a body over
// wire.MaxPushBytes (413), more than wire.MaxBatchRecords (413), JSON that
// does not parse or trailing bytes after it (400).
func (s *Server) push(w http.ResponseWriter, r *http.Request) {
	dev := r.Context().Value(ctxKey{}).(device)
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		s.fail(w, r, http.StatusUnsupportedMediaType, "push body must be application/json", err)
		return
	}
	var req struct {
		Records []json.RawMessage `json:"records"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, wire.MaxPushBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(&req)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errors.New("trailing data after the batch")
		}
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("push body over %d bytes", wire.MaxPushBytes), nil)
		return
	case err != nil:
		s.fail(w, r, http.StatusBadRequest, "push body is not a record batch", err)
		return
	case len(req.Records) > wire.MaxBatchRecords:
		s.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("at most %d records per push", wire.MaxBatchRecords), nil)
		return
	}
	s.m.received.Add(float64(len(req.Records)))
	now := s.clock.Now()
	resp := wire.PushResponse{Stored: make([]string, 0, len(req.Records))}
	valid := make([]checkpoint.Record, 0, len(req.Records))
	seen := make(map[string]bool, len(req.Records))
	for _, raw := range req.Records {
		rec, name, err := s.checkRecord(raw, dev, now)
		switch {
		case err != nil:
			resp.Rejected = append(resp.Rejected, wire.Rejection{ID: name, Reason: err.Error()})
		case seen[rec.ID]:
			resp.Stored = append(resp.Stored, name) // same record twice in one batch
		default:
			seen[rec.ID] = true
			valid = append(valid, rec)
			resp.Stored = append(resp.Stored, name)
		}
	}
	s.m.rejected.Add(float64(len(resp.Rejected)))
	n, err := s.Ingest(r.Context(), dev.id, valid)
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, "storing records failed; retry", err)
		return
	}
	resp.Inserted = int(n)
	s.m.inserted.Add(float64(n))
	if _, err := s.pool.Exec(r.Context(), "UPDATE devices SET last_seen = $2 WHERE id = $1", dev.id, now); err != nil {
		s.log.Warn("recording device last seen", "device", dev.id, "err", err)
	}
	s.log.Info("push", "device", dev.id, "records", len(req.Records), "inserted", n, "rejected", len(resp.Rejected))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp) //nolint:errcheck
}

// Ingest stores records (already checked, with times inside the hub's
// window) exactly once by id and returns how many were new. It uses the
// ingest path measured fastest (docs/scaling.md): IngestInsert.
func (s *Server) Ingest(ctx context.Context, device string, recs []checkpoint.Record) (int64, error) {
	n, err := s.IngestInsert(ctx, device, recs)
	if err != nil {
		return 0, err
	}
	if err := s.ingestRuleNames(ctx, recs); err != nil { // rules.go
		return 0, err
	}
	return n, nil
}

// withPartitions runs f and, when a record had no partition (the
// maintenance has not run: a hub started long ago and idle), creates the
// partitions and runs f once more.
func (s *Server) withPartitions(ctx context.Context, f func() (int64, error)) (int64, error) {
	n, err := f()
	if isNoPartition(err) {
		if _, _, merr := MaintainPartitions(ctx, s.pool, s.clock.Now(), s.retention); merr != nil {
			return 0, merr
		}
		n, err = f()
	}
	return n, err
}

var recordColumns = []string{"id", "time", "terminal_id", "site_id", "code_id", "format", "issuer", "color", "proxy", "celsius", "outcome", "reason", "gate_opened", "device_id", "received_at"}

// IngestCopy stores records through a staging step: COPY into a session's
// temporary table, then one INSERT ... SELECT into the partitioned table
// that skips ids already present, in one transaction.
func (s *Server) IngestCopy(ctx context.Context, device string, recs []checkpoint.Record) (int64, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	now := s.clock.Now()
	n, err := s.withPartitions(ctx, func() (n int64, err error) {
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "CREATE TEMP TABLE IF NOT EXISTS records_staging (LIKE records INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"); err != nil {
				return err
			}
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"records_staging"}, recordColumns, pgx.CopyFromSlice(len(recs), func(i int) ([]any, error) {
				r := recs[i]
				id, err := uuid.Parse(r.ID)
				if err != nil {
					return nil, err
				}
				return []any{id, r.Time, r.TerminalID, r.SiteID, r.CodeID, string(r.Format), r.Issuer, r.Color.String(), r.Proxy, r.Celsius,
					r.Outcome.String(), string(r.Reason), r.GateOpened, device, now}, nil
			}))
			if err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, `INSERT INTO records SELECT * FROM records_staging s
				WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.id = s.id) ON CONFLICT (id, time) DO NOTHING`)
			n = tag.RowsAffected()
			return err
		})
		return n, err
	})
	if err != nil {
		return 0, fmt.Errorf("copying %d records: %w", len(recs), err)
	}
	return n, nil
}

// IngestInsert stores records in one multi-row insert (unnest of arrays)
// that skips ids already present in any partition, and returns how many
// were new.
func (s *Server) IngestInsert(ctx context.Context, device string, recs []checkpoint.Record) (int64, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	n := len(recs)
	var (
		ids                                                      = make([]string, n)
		times                                                    = make([]time.Time, n)
		terms, sites, codes, formats, issuers, colors, outs, rsn = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		proxies, gates                                           = make([]bool, n), make([]bool, n)
		celsius                                                  = make([]*float64, n)
	)
	for i, r := range recs {
		ids[i], times[i], terms[i], sites[i], codes[i] = r.ID, r.Time, r.TerminalID, r.SiteID, r.CodeID
		formats[i], issuers[i], colors[i], proxies[i], celsius[i] = string(r.Format), r.Issuer, r.Color.String(), r.Proxy, r.Celsius
		outs[i], rsn[i], gates[i] = r.Outcome.String(), string(r.Reason), r.GateOpened
	}
	tag, err := s.withPartitions(ctx, func() (int64, error) {
		tag, err := s.pool.Exec(ctx, `INSERT INTO records
		(id, time, terminal_id, site_id, code_id, format, issuer, color, proxy, celsius, outcome, reason, gate_opened, device_id, received_at)
		SELECT u.*, $14, $15 FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
			$8::text[], $9::bool[], $10::float8[], $11::text[], $12::text[], $13::bool[]) AS u (id, time)
		WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.id = u.id)
		ON CONFLICT (id, time) DO NOTHING`,
			ids, times, terms, sites, codes, formats, issuers, colors, proxies, celsius, outs, rsn, gates, device, s.clock.Now())
		return tag.RowsAffected(), err
	})
	if err != nil {
		return 0, fmt.Errorf("inserting %d records: %w", n, err)
	}
	return tag, nil
}
