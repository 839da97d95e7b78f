package sync

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// The revocation benchmarks share a store of CHECKPOINT_BENCH_REVOCATIONS
// hashes (default 10,000,000) at CHECKPOINT_BENCH_DIR (default a temporary
// directory); scripts/bench-sync.sh keeps it between runs. Building it is
// part of the benchmark script, never of go test.

func benchRevocationCount() int {
	if n, err := strconv.Atoi(os.Getenv("CHECKPOINT_BENCH_REVOCATIONS")); err == nil && n > 0 {
		return n
	}
	return 10_000_000
}

func randomHashes(r *rand.Rand, n int) []checkpoint.RevocationHash {
	hs := make([]checkpoint.RevocationHash, n)
	for i := range hs {
		binary.BigEndian.PutUint64(hs[i][:8], r.Uint64())
		binary.BigEndian.PutUint64(hs[i][8:], r.Uint64())
	}
	return hs
}

// revocationFixture returns the path of a store holding n hashes drawn from
// a fixed seed, building it when missing.
func revocationFixture(b *testing.B, n int) string {
	b.Helper()
	dir := os.Getenv("CHECKPOINT_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "revocations-"+strconv.Itoa(n)+".db")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	start := time.Now()
	hs := randomHashes(rand.New(rand.NewPCG(1, 2)), n)
	slices.SortFunc(hs, func(a, b checkpoint.RevocationHash) int { return bytes.Compare(a[:], b[:]) })
	s, err := Open(path+".tmp", Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.applyRevocationDoc(wire.RevocationDoc{Kind: wire.KindSnapshot, Seq: 1, IssuedAt: time.Now(), Hashes: hs}); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d revocations in %s", n, time.Since(start).Round(time.Millisecond))
	return path
}

func copyFile(b *testing.B, from, to string) {
	b.Helper()
	src, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		b.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		b.Fatal(err)
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkRevocationLookup measures IsRevoked on the big set, half hits
// and half misses, and reports p50/p99 latency and the file size.
func BenchmarkRevocationLookup(b *testing.B) {
	n := benchRevocationCount()
	path := revocationFixture(b, n)
	t0 := time.Now()
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	openTime := time.Since(t0)
	defer s.Close()
	present := randomHashes(rand.New(rand.NewPCG(1, 2)), min(n, 100_000))
	absent := randomHashes(rand.New(rand.NewPCG(3, 4)), 100_000)
	for _, h := range present[:1000] {
		if ok, err := s.IsRevoked(h); err != nil || !ok {
			b.Fatalf("fixture hash %x not revoked: %v", h, err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		h := present[i%len(present)]
		if i%2 == 1 {
			h = absent[i%len(absent)]
		}
		t0 := time.Now()
		if _, err := s.IsRevoked(h); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	size, _ := s.Size()
	b.ReportMetric(float64(percentile(lat, 0.50).Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(percentile(lat, 0.99).Nanoseconds())/1e3, "p99-µs")
	b.ReportMetric(float64(n), "entries")
	b.ReportMetric(float64(size)/1e6, "file-MB")
	b.ReportMetric(float64(openTime.Milliseconds()), "open-ms")
}

// BenchmarkRevocationDelta applies 100,000-entry deltas (fsynced) to a copy
// of the big set and reports the time per delta; compaction merges of the
// small runs are included, the rare merge into the base run is measured by
// BenchmarkRevocationCompact.
func BenchmarkRevocationDelta(b *testing.B) {
	n := benchRevocationCount()
	fixture := revocationFixture(b, n)
	path := filepath.Join(b.TempDir(), "delta.db")
	copyFile(b, fixture, path)
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	r := rand.New(rand.NewPCG(5, 6))
	seq := uint64(1)
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		d := wire.RevocationDoc{Kind: wire.KindDelta, Seq: seq + 1, Prev: seq, IssuedAt: time.Now(), Hashes: randomHashes(r, 100_000)}
		b.StartTimer()
		t0 := time.Now()
		if err := s.applyRevocationDoc(d); err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		seq++
	}
	b.StopTimer()
	st, _ := s.RevocationStats()
	size, _ := s.Size()
	b.ReportMetric(float64(total.Milliseconds())/float64(seq-1), "ms/delta")
	b.ReportMetric(float64(st.Runs), "runs")
	b.ReportMetric(float64(size)/1e6, "file-MB")
}

// BenchmarkRevocationCompact merges a 100,000-entry run into the big base
// run: the worst single step of the set's upkeep.
func BenchmarkRevocationCompact(b *testing.B) {
	n := benchRevocationCount()
	fixture := revocationFixture(b, n)
	path := filepath.Join(b.TempDir(), "compact.db")
	for b.Loop() {
		b.StopTimer()
		copyFile(b, fixture, path)
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.applyRevocationDoc(wire.RevocationDoc{Kind: wire.KindDelta, Seq: 2, Prev: 1, Hashes: randomHashes(rand.New(rand.NewPCG(7, 8)), 100_000)}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := s.CompactRevocations(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		os.Remove(path)
		b.StartTimer()
	}
}
