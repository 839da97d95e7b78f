package sync

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// The bbolt file format (go.etcd.io/bbolt v1.5, internal/common): the file is
// a sequence of pages of the size named in its meta pages. Pages 0 and 1 are
// meta pages; each later page starts with a 16-byte header (id uint64, flags
// uint16, count uint16, overflow uint32) and spans overflow+1 pages. A meta
// page holds magic, version, page size, flags, the root bucket (root page id,
// sequence), the freelist page id, the high-water page id, the transaction id
// and an FNV-64a checksum of the fields before it. Integers are in the
// machine's byte order; the terminal runs on little-endian machines (amd64,
// arm64), so the check reads little-endian.
const (
	boltMagic          = 0xED0CDAED
	boltVersion        = 2
	boltPageHeaderSize = 16
	boltMetaSize       = 64 // including the checksum
	boltMetaSummed     = 56 // the bytes the checksum covers
	boltElementSize    = 16 // a branch or a leaf element
	boltNoFreelist     = 0xffffffffffffffff

	flagBranch   = 0x01
	flagLeaf     = 0x02
	flagMeta     = 0x04
	flagFreelist = 0x10
	flagBucket   = 0x01 // a leaf element that is a nested bucket

	maxTreeDepth = 64
)

// ErrDamaged is the class of errors CheckFile and Open return for a store
// file whose pages cannot be trusted (cut short, zeroed, overwritten). Such a
// file must never be mapped: bbolt would read past its end (SIGBUS) or follow
// a bad page id. errors.As with *DamageError gives the details.
var ErrDamaged = errors.New("store file is damaged")

// DamageError says where a store file is damaged.
type DamageError struct {
	Path   string
	Reason string // what is wrong, in words
	// Unsent is the count of outbox records (not yet acknowledged by the
	// hub) that could be read from the damaged file; UnsentKnown is false
	// when the outbox itself could not be read to its end, so Unsent is a
	// lower bound.
	Unsent      int
	UnsentKnown bool
}

func (e *DamageError) Error() string {
	return fmt.Sprintf("store file %s is damaged: %s", e.Path, e.Reason)
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamageError) Is(target error) bool { return target == ErrDamaged }

// FileInfo is what CheckFile read from a sound store file.
type FileInfo struct {
	PageSize  int
	HighWater uint64 // pages in use (the meta's pgid)
	TxID      uint64
	Pages     int // reachable pages, overflow included
	Unsent    int // records in the outbox
	// MetaFallback is true when the newer meta page was bad and bbolt will
	// use the older one (the last transaction is lost, the file is sound).
	MetaFallback bool
}

// CheckFile reads the bbolt file at path with plain reads (no mapping) and
// checks what bbolt trusts when it maps it: the size, both meta pages (magic,
// version, page size, checksum), and every page reachable from the chosen
// meta (ids in bounds and matching their position, page types, element
// offsets inside their page). A missing or empty file is fine (bbolt creates
// it). Damage is returned as a *DamageError (errors.Is ErrDamaged); an I/O
// failure as another error.
func CheckFile(path string) (FileInfo, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return FileInfo{}, nil
	}
	if err != nil {
		return FileInfo{}, fmt.Errorf("checking store file: %w", err)
	}
	defer f.Close()
	return checkFile(f, path)
}

type metaPage struct {
	pageSize, flags    uint32
	root, freelist     uint64
	highWater, txid    uint64
	checksum, computed uint64
}

func parseMeta(b []byte) (metaPage, error) {
	if len(b) < boltPageHeaderSize+boltMetaSize {
		return metaPage{}, errors.New("too short")
	}
	if binary.LittleEndian.Uint16(b[8:]) != flagMeta {
		return metaPage{}, errors.New("not marked as a meta page")
	}
	m := b[boltPageHeaderSize:]
	if binary.LittleEndian.Uint32(m[0:]) != boltMagic {
		return metaPage{}, errors.New("no bbolt magic")
	}
	if v := binary.LittleEndian.Uint32(m[4:]); v != boltVersion {
		return metaPage{}, fmt.Errorf("format version %d, not %d", v, boltVersion)
	}
	mp := metaPage{
		pageSize: binary.LittleEndian.Uint32(m[8:]), flags: binary.LittleEndian.Uint32(m[12:]),
		root: binary.LittleEndian.Uint64(m[16:]), freelist: binary.LittleEndian.Uint64(m[32:]),
		highWater: binary.LittleEndian.Uint64(m[40:]), txid: binary.LittleEndian.Uint64(m[48:]),
		checksum: binary.LittleEndian.Uint64(m[56:]),
	}
	h := fnv.New64a()
	h.Write(m[:boltMetaSummed])
	mp.computed = h.Sum64()
	if mp.checksum != mp.computed {
		return mp, fmt.Errorf("checksum %016x, computed %016x", mp.checksum, mp.computed)
	}
	if mp.pageSize < 1024 || mp.pageSize > 1<<20 || mp.pageSize&(mp.pageSize-1) != 0 {
		return mp, fmt.Errorf("page size %d", mp.pageSize)
	}
	if mp.highWater < 3 {
		return mp, fmt.Errorf("high-water page id %d", mp.highWater)
	}
	return mp, nil
}

func checkFile(f *os.File, path string) (FileInfo, error) {
	st, err := f.Stat()
	if err != nil {
		return FileInfo{}, fmt.Errorf("checking store file: %w", err)
	}
	size := st.Size()
	if size == 0 {
		return FileInfo{}, nil
	}
	damaged := func(format string, a ...any) *DamageError {
		return &DamageError{Path: path, Reason: fmt.Sprintf(format, a...)}
	}
	first := make([]byte, 4096)
	n, err := f.ReadAt(first, 0)
	if err != nil && err != io.EOF {
		return FileInfo{}, fmt.Errorf("checking store file: %w", err)
	}
	first = first[:n]
	m0, err0 := parseMeta(first)
	// The second meta page is one page in; its page size is unknown if the
	// first meta is bad, so try each size bbolt can have written.
	var m1 metaPage
	err1 := errors.New("not found")
	sizes := []uint32{4096, 1024, 2048, 8192, 16384, 32768, 65536}
	if err0 == nil {
		sizes = []uint32{m0.pageSize}
	}
	for _, ps := range sizes {
		b := make([]byte, boltPageHeaderSize+boltMetaSize)
		if _, err := f.ReadAt(b, int64(ps)); err != nil {
			continue
		}
		if m, err := parseMeta(b); err == nil && m.pageSize == ps {
			m1, err1 = m, nil
			break
		} else if err0 == nil {
			err1 = err
		}
	}
	var m metaPage
	fallback := false
	switch {
	case err0 != nil && err1 != nil:
		if size < 2*1024 {
			return FileInfo{}, damaged("%d bytes, shorter than its two meta pages", size)
		}
		return FileInfo{}, damaged("both meta pages are bad (first: %v; second: %v)", err0, err1)
	case err0 != nil:
		m, fallback = m1, true
	case err1 != nil:
		m, fallback = m0, true
	case m1.txid > m0.txid:
		m = m1
	default:
		m = m0
	}
	if err0 == nil && err1 == nil && m0.pageSize != m1.pageSize {
		return FileInfo{}, damaged("the meta pages disagree on the page size (%d, %d)", m0.pageSize, m1.pageSize)
	}
	ps := int64(m.pageSize)
	if size < 2*ps {
		return FileInfo{}, damaged("%d bytes, shorter than its two meta pages of %d", size, ps)
	}
	// A file cut short is damaged whatever its pages say; its tree is still
	// walked as far as the file goes, to count the outbox it held.
	short := ""
	highWater := m.highWater
	if need := int64(m.highWater) * ps; size < need {
		short = fmt.Sprintf("cut short: %d bytes, but its pages reach %d bytes (%d pages of %d)", size, need, m.highWater, ps)
		highWater = uint64(size / ps)
	}
	w := &walker{f: f, pageSize: ps, highWater: highWater, seen: map[uint64]bool{}}
	if m.freelist != boltNoFreelist && short == "" {
		p, err := w.page(m.freelist)
		if err == nil && p.flags != flagFreelist {
			err = fmt.Errorf("page %d: flags %#x, want a freelist page", m.freelist, p.flags)
		}
		if err != nil {
			return FileInfo{}, damaged("freelist: %v", err)
		}
	}
	info := FileInfo{PageSize: int(ps), HighWater: m.highWater, TxID: m.txid, MetaFallback: fallback}
	// First the outbox alone, so that damage elsewhere still leaves the
	// count of unsent records it held; then every page.
	unsent, unsentDone := 0, false
	count := &walker{f: f, pageSize: ps, highWater: highWater, seen: map[uint64]bool{}}
	count.bucket(m.root, nil, 0, func(key []byte, isBucket bool, root uint64, inline []byte) error {
		if !isBucket || !bytes.Equal(key, bucketPending) {
			return nil
		}
		err := count.bucket(root, inline, 1, func(_ []byte, isBucket bool, _ uint64, _ []byte) error {
			if !isBucket {
				unsent++
			}
			return nil
		})
		unsentDone = err == nil
		return errWalked
	})
	err = w.bucket(m.root, nil, 0, func([]byte, bool, uint64, []byte) error { return nil }, true)
	switch {
	case short != "":
		return info, &DamageError{Path: path, Reason: short, Unsent: unsent, UnsentKnown: unsentDone}
	case err != nil:
		return info, &DamageError{Path: path, Reason: err.Error(), Unsent: unsent, UnsentKnown: unsentDone}
	}
	info.Pages, info.Unsent = w.pages, unsent
	return info, nil
}

// walker reads pages with ReadAt and checks them.
type walker struct {
	f         *os.File
	pageSize  int64
	highWater uint64
	seen      map[uint64]bool
	pages     int
}

type page struct {
	id       uint64
	flags    uint16
	count    int
	overflow uint32
	data     []byte // the whole span, header included
}

func (w *walker) page(id uint64) (page, error) {
	if id < 2 || id >= w.highWater {
		return page{}, fmt.Errorf("page id %d outside 2..%d", id, w.highWater-1)
	}
	hdr := make([]byte, boltPageHeaderSize)
	if _, err := w.f.ReadAt(hdr, int64(id)*w.pageSize); err != nil {
		return page{}, fmt.Errorf("page %d: reading: %w", id, err)
	}
	p := page{
		id: binary.LittleEndian.Uint64(hdr), flags: binary.LittleEndian.Uint16(hdr[8:]),
		count: int(binary.LittleEndian.Uint16(hdr[10:])), overflow: binary.LittleEndian.Uint32(hdr[12:]),
	}
	if p.id != id {
		return p, fmt.Errorf("page %d: header says page %d (zeroed or overwritten)", id, p.id)
	}
	if id+uint64(p.overflow)+1 > w.highWater {
		return p, fmt.Errorf("page %d: %d overflow pages run past the high-water mark %d", id, p.overflow, w.highWater)
	}
	p.data = make([]byte, int64(p.overflow+1)*w.pageSize)
	if _, err := w.f.ReadAt(p.data, int64(id)*w.pageSize); err != nil {
		return p, fmt.Errorf("page %d: reading %d bytes: %w", id, len(p.data), err)
	}
	return p, nil
}

// errWalked, returned by a visit func, says it walked the nested bucket
// itself.
var errWalked = errors.New("bucket walked")

// visit is called for each key of a bucket: a nested bucket has isBucket set
// and its root page id (0 for an inline bucket, whose page is inline).
type visit func(key []byte, isBucket bool, root uint64, inline []byte) error

// bucket walks the tree of the bucket rooted at page root (or the inline
// page) and calls fn for each key. With recurse, nested buckets are walked
// as well.
func (w *walker) bucket(root uint64, inline []byte, depth int, fn visit, recurse ...bool) error {
	if depth > maxTreeDepth {
		return errors.New("buckets nested too deep")
	}
	if root == 0 {
		if inline == nil {
			return errors.New("inline bucket without a page")
		}
		p, err := parseInline(inline)
		if err != nil {
			return err
		}
		return w.elements(p, depth, fn, len(recurse) > 0 && recurse[0])
	}
	_, err := w.tree(root, depth, 0, nil, nil, fn, len(recurse) > 0 && recurse[0])
	return err
}

// keyOrder checks bbolt's b-tree order (tx_check.go): keys strictly
// increasing within a page, the first not below the ancestor's key, each
// below the ancestor's next key.
func keyOrder(id uint64, i int, key, prev, maxOpen []byte) error {
	if prev != nil && (bytes.Compare(prev, key) > 0 || (i > 0 && bytes.Equal(prev, key))) {
		return fmt.Errorf("page %d: key %d (%x) is out of order after %x", id, i, key, prev)
	}
	if maxOpen != nil && bytes.Compare(key, maxOpen) >= 0 {
		return fmt.Errorf("page %d: key %d (%x) is not below the next key of its parent (%x)", id, i, key, maxOpen)
	}
	return nil
}

func parseInline(b []byte) (page, error) {
	if len(b) < boltPageHeaderSize {
		return page{}, errors.New("inline bucket shorter than a page header")
	}
	p := page{flags: binary.LittleEndian.Uint16(b[8:]), count: int(binary.LittleEndian.Uint16(b[10:])), data: b}
	if p.flags != flagLeaf {
		return p, fmt.Errorf("inline bucket page has flags %#x, want a leaf", p.flags)
	}
	return p, nil
}

// tree walks the subtree at page id whose keys must lie in [minKey,
// maxOpen) and returns its largest key.
func (w *walker) tree(id uint64, depth, level int, minKey, maxOpen []byte, fn visit, recurse bool) ([]byte, error) {
	if level > maxTreeDepth {
		return nil, errors.New("tree deeper than any bbolt writes")
	}
	p, err := w.page(id)
	if err != nil {
		return nil, err
	}
	for i := uint64(0); i <= uint64(p.overflow); i++ {
		if w.seen[id+i] {
			return nil, fmt.Errorf("page %d is reachable twice", id+i)
		}
		w.seen[id+i] = true
	}
	w.pages += int(p.overflow) + 1
	switch {
	case p.flags == flagBranch:
		if p.count == 0 {
			return nil, fmt.Errorf("page %d: branch page without elements", id)
		}
		if boltPageHeaderSize+p.count*boltElementSize > len(p.data) {
			return nil, fmt.Errorf("page %d: %d elements do not fit the page", id, p.count)
		}
		keys := make([][]byte, p.count)
		for i := range p.count {
			off := boltPageHeaderSize + i*boltElementSize
			e := p.data[off:]
			pos, ksize := uint64(binary.LittleEndian.Uint32(e)), uint64(binary.LittleEndian.Uint32(e[4:]))
			if uint64(off)+pos+ksize > uint64(len(p.data)) {
				return nil, fmt.Errorf("page %d: element %d's key lies outside the page", id, i)
			}
			keys[i] = p.data[uint64(off)+pos : uint64(off)+pos+ksize]
		}
		running := minKey
		var last []byte
		for i := range p.count {
			if err := keyOrder(id, i, keys[i], running, maxOpen); err != nil {
				return nil, err
			}
			next := maxOpen
			if i+1 < p.count {
				next = keys[i+1]
			}
			child := binary.LittleEndian.Uint64(p.data[boltPageHeaderSize+i*boltElementSize+8:])
			if last, err = w.tree(child, depth, level+1, keys[i], next, fn, recurse); err != nil {
				return nil, err
			}
			running = last
		}
		return last, nil
	case p.flags == flagLeaf:
		return w.leaf(p, depth, minKey, maxOpen, fn, recurse)
	default:
		return nil, fmt.Errorf("page %d: flags %#x, want a branch or leaf page", id, p.flags)
	}
}

// leaf checks the key order of a leaf page, then its elements.
func (w *walker) leaf(p page, depth int, minKey, maxOpen []byte, fn visit, recurse bool) ([]byte, error) {
	if boltPageHeaderSize+p.count*boltElementSize > len(p.data) {
		return nil, fmt.Errorf("page %d: %d elements do not fit the page", p.id, p.count)
	}
	running := minKey
	for i := range p.count {
		e := p.data[boltPageHeaderSize+i*boltElementSize:]
		pos, ksize := uint64(binary.LittleEndian.Uint32(e[4:])), uint64(binary.LittleEndian.Uint32(e[8:]))
		start := uint64(boltPageHeaderSize+i*boltElementSize) + pos
		if start+ksize > uint64(len(p.data)) {
			return nil, fmt.Errorf("page %d: element %d's key lies outside the page", p.id, i)
		}
		key := p.data[start : start+ksize]
		if err := keyOrder(p.id, i, key, running, maxOpen); err != nil {
			return nil, err
		}
		running = key
	}
	return running, w.elements(p, depth, fn, recurse)
}

// elements checks a leaf page's elements and calls fn for each.
func (w *walker) elements(p page, depth int, fn visit, recurse bool) error {
	for i := range p.count {
		off := boltPageHeaderSize + i*boltElementSize
		if off+boltElementSize > len(p.data) {
			return fmt.Errorf("page %d: %d elements do not fit the page", p.id, p.count)
		}
		e := p.data[off:]
		flags := binary.LittleEndian.Uint32(e)
		pos, ksize, vsize := uint64(binary.LittleEndian.Uint32(e[4:])), uint64(binary.LittleEndian.Uint32(e[8:])), uint64(binary.LittleEndian.Uint32(e[12:]))
		start := uint64(off) + pos
		if start+ksize+vsize > uint64(len(p.data)) {
			return fmt.Errorf("page %d: element %d's key or value lies outside the page", p.id, i)
		}
		key, val := p.data[start:start+ksize], p.data[start+ksize:start+ksize+vsize]
		if flags&flagBucket == 0 {
			if err := fn(key, false, 0, nil); err != nil {
				return err
			}
			continue
		}
		if len(val) < 16 {
			return fmt.Errorf("page %d: bucket %q has a %d-byte header", p.id, key, len(val))
		}
		root := binary.LittleEndian.Uint64(val)
		var inline []byte
		if root == 0 {
			inline = val[16:]
		}
		err := fn(key, true, root, inline)
		if err == errWalked {
			continue
		}
		if err != nil {
			return err
		}
		if recurse {
			if err := w.bucket(root, inline, depth+1, func([]byte, bool, uint64, []byte) error { return nil }, true); err != nil {
				return fmt.Errorf("bucket %q: %w", key, err)
			}
		}
	}
	return nil
}
