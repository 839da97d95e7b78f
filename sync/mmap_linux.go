package sync

import "syscall"

// mmapFlags prefaults the whole mapping when the file is opened (and
// remapped), so a revocation lookup during scanning never waits on a page
// fault.
const mmapFlags = syscall.MAP_POPULATE
