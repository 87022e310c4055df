//! A global allocator that forwards to the system allocator and, while a measurement window
//! is open, counts the bytes live above the window's start, their peak, and the bytes
//! allocated in total.
//!
//! Counting is switched on only inside [`measure`] windows, so the request-rate runs pay a
//! single relaxed load per allocation and both HTTP clients are slowed alike. The emulator
//! runs in another process, so its allocations are never counted.

// `GlobalAlloc` is an unsafe trait; this module is the crate's only unsafe code, and each
// unsafe call forwards the caller's arguments unchanged to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

/// The counting allocator; installed as the binary's `#[global_allocator]`.
pub(crate) struct Counting;

static ENABLED: AtomicBool = AtomicBool::new(false);
/// Bytes allocated minus bytes freed since the window opened. Signed: blocks allocated
/// before the window and freed inside it make it go below zero.
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);
static TOTAL: AtomicU64 = AtomicU64::new(0);
static COUNT: AtomicU64 = AtomicU64::new(0);

/// What the allocator saw during a window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeapStats {
    /// The highest number of bytes live above the window's start.
    pub(crate) peak: u64,
    /// Bytes allocated in the window (new blocks plus the growth of reallocated ones).
    pub(crate) total: u64,
    /// Allocations made in the window (reallocations not included).
    pub(crate) count: u64,
}

/// Runs `work` inside a counting window and returns its result with the heap statistics.
/// Windows must not overlap; the benchmark opens one at a time.
pub(crate) async fn measure<F: Future>(work: F) -> (F::Output, HeapStats) {
    LIVE.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    TOTAL.store(0, Ordering::SeqCst);
    COUNT.store(0, Ordering::SeqCst);
    ENABLED.store(true, Ordering::SeqCst);
    let output = work.await;
    ENABLED.store(false, Ordering::SeqCst);
    let stats = HeapStats {
        peak: u64::try_from(PEAK.load(Ordering::SeqCst)).unwrap_or(0),
        total: TOTAL.load(Ordering::SeqCst),
        count: COUNT.load(Ordering::SeqCst),
    };
    (output, stats)
}

/// Counts a new block of `bytes`.
fn allocated(bytes: usize) {
    if ENABLED.load(Ordering::Relaxed) {
        COUNT.fetch_add(1, Ordering::Relaxed);
        grew(bytes);
    }
}

fn grew(bytes: usize) {
    if ENABLED.load(Ordering::Relaxed) {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        let now = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
        PEAK.fetch_max(now, Ordering::Relaxed);
        TOTAL.fetch_add(bytes.unsigned_abs(), Ordering::Relaxed);
    }
}

fn shrank(bytes: usize) {
    if ENABLED.load(Ordering::Relaxed) {
        LIVE.fetch_sub(i64::try_from(bytes).unwrap_or(i64::MAX), Ordering::Relaxed);
    }
}

// SAFETY: every method hands its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the bookkeeping only touches atomics and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received; the caller upholds `alloc`'s contract.
        let block = unsafe { System.alloc(layout) };
        if !block.is_null() {
            allocated(layout.size());
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received; the caller upholds `alloc_zeroed`'s contract.
        let block = unsafe { System.alloc_zeroed(layout) };
        if !block.is_null() {
            allocated(layout.size());
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received; `block` came from this allocator with `layout`.
        unsafe { System.dealloc(block, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as received; the caller upholds `realloc`'s contract.
        let moved = unsafe { System.realloc(block, layout, new_size) };
        if !moved.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        moved
    }
}
