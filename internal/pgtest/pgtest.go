// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb
// into a temporary directory (as the postgres OS user when running as
// root), a free loopback port, the unix socket in the same directory. A test
// package shares one cluster (TestMain) and makes a database per test.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/testenv"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Cluster is a running throwaway server. It runs with fsync off unless
// $PGTEST_FSYNC is "on" (for measurements).
type Cluster struct {
	dir  string
	port int
	cmd  *exec.Cmd
	done chan error
	n    atomic.Int64
}

// BinDir finds initdb and postgres: $PG_BIN or Debian's PostgreSQL 15.
func BinDir() string {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d
	}
	return "/usr/lib/postgresql/15/bin"
}

// Start initialises and starts a cluster.
func Start() (*Cluster, error) {
	bin := BinDir()
	if _, err := os.Stat(filepath.Join(bin, "postgres")); err != nil {
		return nil, fmt.Errorf("PostgreSQL server binaries not found in %s (install Debian's postgresql or set PG_BIN): %w", bin, err)
	}
	dir, err := os.MkdirTemp("", "checkpoint-pg-")
	if err != nil {
		return nil, fmt.Errorf("making cluster dir: %w", err)
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root needs the postgres OS user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("handing cluster dir to postgres: %w", err)
		}
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("finding a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	c := &Cluster{dir: dir, port: port, done: make(chan error, 1)}
	args := []string{"-D", data, "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "shared_buffers=64MB"}
	if os.Getenv("PGTEST_FSYNC") != "on" {
		// Durability off for speed; PGTEST_FSYNC=on measures as deployed.
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off")
	}
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), args...)
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	c.cmd.Dir = dir
	logf, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err == nil {
		if cred != nil {
			logf.Chown(int(cred.Uid), int(cred.Gid)) //nolint:errcheck
		}
		c.cmd.Stdout, c.cmd.Stderr = logf, logf
	}
	if err := c.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting postgres: %w", err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return c, nil
		}
		select {
		case werr := <-c.done:
			log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			os.RemoveAll(dir)
			return nil, fmt.Errorf("postgres exited: %v: %s", werr, log)
		default:
		}
		if time.Now().After(deadline) {
			c.Close()
			return nil, fmt.Errorf("postgres did not accept connections: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL is the connection string of database db.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// NewDatabase creates a fresh database and returns its URL.
func (c *Cluster) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), c.n.Add(1))
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return "", fmt.Errorf("connecting to make a database: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("creating database %s: %w", name, err)
	}
	return c.URL(name), nil
}

// Close stops the server (fast shutdown) and removes its directory.
func (c *Cluster) Close() error {
	if c == nil {
		return nil
	}
	var err error
	if c.cmd.Process != nil {
		c.cmd.Process.Signal(syscall.SIGINT) //nolint:errcheck
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			c.cmd.Process.Kill() //nolint:errcheck
			<-c.done
			err = errors.New("postgres did not stop in 10 s; killed")
		}
	}
	os.RemoveAll(c.dir)
	return err
}

// Main starts the package's cluster into s, runs the tests and stops the
// cluster; TestMain calls os.Exit(pgtest.Main(m, &pg)).
func Main(m *testing.M, s *Shared) int {
	s.Cluster, s.Err = Start()
	code := m.Run()
	s.Cluster.Close() //nolint:errcheck // the directory goes anyway
	return code
}

// Shared is what a test package keeps from TestMain: the cluster or the
// reason there is none.
type Shared struct {
	Cluster *Cluster
	Err     error
}

// Database returns a fresh database URL for t, skipping outside CI (and
// failing inside it) when no cluster could be started.
func (s *Shared) Database(t testing.TB) string {
	t.Helper()
	testenv.Require(t, s.Err == nil && s.Cluster != nil, fmt.Sprintf("a PostgreSQL server: %v", s.Err))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url, err := s.Cluster.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// Pool returns a pool on a fresh database with the hub's migrations
// applied (twice, so a migration that is not idempotent under a re-run
// fails here); it is closed when t ends.
func (s *Shared) Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := s.Database(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for range 2 {
		if err := hub.Migrate(ctx, pool); err != nil {
			t.Fatalf("migrating the test database: %v", err)
		}
	}
	return pool
}
