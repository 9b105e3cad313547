package store

import "fmt"

// Memory sizes what Badger may hold in the process's heap. Badger keeps
// (built without jemalloc, as fiskaldesk is) everything in Go memory:
//
//   - memtables: the one being written, up to MemTables full ones waiting
//     for their flush and the one being flushed; each is an arena of about
//     1.3 × MemTableMB (the table plus room for one maximal transaction);
//   - the flush of a memtable builds its level-0 table in memory, the
//     uncompressed blocks and their compressed copies: up to 2 × MemTableMB;
//   - the block cache (decompressed table blocks read by queries). Blocks
//     of uncompressed tables point into the mapped table files and cost
//     the heap only their headers; Badger still charges each one the
//     capacity of its slice into the table (dgraph-io/badger#2021), so the
//     cache holds a few dozen of them. Measured on the 10M-transaction
//     rollup, 1 MiB, 32 MiB and no cache differ within the run's noise
//     (docs/BENCHMARKS.md › the reseller rollup); compressed tables of
//     older stores are what it still serves;
//   - compactions: each of Compactors runs at most 8 + 5 table builders at
//     once (Badger's fixed throttle and split count), each with an arena of
//     2 × TableMB rounded up to a power of two. That holds because tables
//     are written uncompressed (badgerOptions): with compression Badger
//     fills a table to TableMB of compressed bytes and each arena doubles
//     past it (measured: ~7 MiB per 1 MiB table, 140 MiB of builders);
//   - Badger keeps up to 8 idle builder arenas for reuse; the flush's,
//     grown to about 2 × MemTableMB, stays among them until the pool
//     overflows. Budget does not count these; the measured peaks of a bulk
//     load and of the first open after it stay under Budget
//     (docs/BENCHMARKS.md › the million-receipt table).
//
// Table indexes and Bloom filters of unencrypted tables are read straight
// from the memory-mapped table files (file-backed pages the kernel may
// drop), so they cost no heap whatever the store holds; Badger's index
// cache applies to encrypted tables only and stays off.
//
// None of these depends on how much the store holds: with fixed-size tables
// (TableMB at every level) the heap Badger needs is bounded by Budget,
// from the first open on. Zero fields mean the workstation defaults
// (DefaultMemory).
type Memory struct {
	MemTableMB   int // size of one memtable; also bounds one transaction to 15 % of it
	MemTables    int // full memtables that may wait for their flush before writes stall
	BlockCacheMB int // cache of decompressed table blocks
	TableMB      int // size of every SST table (base size, multiplier 1)
	Compactors   int // concurrent compactions (Badger needs 0 or ≥ 2)
}

// Workstation defaults: a fiskaldesk process with a store of millions of
// transactions stays well under 256 MiB of anonymous memory
// (docs/BENCHMARKS.md › Memory).
const (
	DefaultMemTableMB   = 16
	DefaultMemTables    = 1
	DefaultBlockCacheMB = 32
	DefaultTableMB      = 1
	DefaultCompactors   = 2
)

// DefaultMemory returns the workstation defaults.
func DefaultMemory() Memory {
	return Memory{MemTableMB: DefaultMemTableMB, MemTables: DefaultMemTables, BlockCacheMB: DefaultBlockCacheMB,
		TableMB: DefaultTableMB, Compactors: DefaultCompactors}
}

// withDefaults fills zero fields with the defaults.
func (m Memory) withDefaults() Memory {
	d := DefaultMemory()
	if m.MemTableMB == 0 {
		m.MemTableMB = d.MemTableMB
	}
	if m.MemTables == 0 {
		m.MemTables = d.MemTables
	}
	if m.BlockCacheMB == 0 {
		m.BlockCacheMB = d.BlockCacheMB
	}
	if m.TableMB == 0 {
		m.TableMB = d.TableMB
	}
	if m.Compactors == 0 {
		m.Compactors = d.Compactors
	}
	return m
}

// Validate checks the sizes (zero fields are defaults and valid).
func (m Memory) Validate() error {
	m = m.withDefaults()
	switch {
	case m.MemTableMB < 16 || m.MemTableMB > 1024:
		// 16 MiB: a transaction of 2.4 MiB, what a central needs to apply
		// and relay a sync batch (sync.BatchBytes).
		return fmt.Errorf("memtable size %d MiB: must be 16 to 1024", m.MemTableMB)
	case m.MemTables < 1 || m.MemTables > 16:
		return fmt.Errorf("memtables %d: must be 1 to 16", m.MemTables)
	case m.BlockCacheMB < 1 || m.BlockCacheMB > 64<<10:
		return fmt.Errorf("block cache %d MiB: must be 1 to 65536", m.BlockCacheMB)
	case m.TableMB < 1 || m.TableMB > 256:
		return fmt.Errorf("table size %d MiB: must be 1 to 256", m.TableMB)
	case m.Compactors < 2 || m.Compactors > 16:
		return fmt.Errorf("compactors %d: must be 2 to 16", m.Compactors)
	}
	return nil
}

// Budget is the most heap, in bytes, that Badger can hold with these
// sizes: memtables, the flush, the block cache and compactions at their
// worst at the same moment. Typical use is far below (compactions rarely
// have all their builders in flight).
func (m Memory) Budget() int64 {
	m = m.withDefaults()
	const mib = 1 << 20
	memtable := int64(m.MemTableMB) * mib
	arena := memtable + 2*(memtable*15/100) // table + one maximal batch and its nodes
	builder := int64(1)
	for builder < 2*int64(m.TableMB)*mib {
		builder *= 2
	}
	return int64(m.MemTables+2)*arena + 2*memtable + int64(m.BlockCacheMB)*mib + int64(m.Compactors)*13*builder
}

// MaxWriteBytes is the largest transaction (keys, values and Badger's
// per-entry overhead) a store with these sizes accepts: 15 % of a
// memtable. Code that writes in batches (sync, seeding) sizes them below it.
func (m Memory) MaxWriteBytes() int64 {
	return int64(m.withDefaults().MemTableMB) << 20 * 15 / 100
}
