package sync

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// lockFile takes bbolt's lock (flock, exclusive) on f, polling until
// timeout; it returns a *LockedError when another process keeps it.
func lockFile(f *os.File, path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("locking store file %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			return &LockedError{Path: path, PID: lockHolder(f), Waited: timeout}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lockHolder finds the process holding a lock on f's inode in /proc/locks
// (0 when it cannot tell).
func lockHolder(f *os.File) int {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0
	}
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer locks.Close()
	// "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF": the inode is the
	// third part of the device:inode field.
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "FLOCK" {
			continue
		}
		parts := strings.Split(fields[5], ":")
		if ino, err := strconv.ParseUint(parts[len(parts)-1], 10, 64); err != nil || ino != sys.Ino {
			continue
		}
		if pid, err := strconv.Atoi(fields[4]); err == nil && pid != os.Getpid() {
			return pid
		}
	}
	return 0
}
