//! Behavioural tests of the public API. One test binary keeps link time down; the modules of
//! optional features are tested when the feature is on (`--all-features`).

mod blocking;
mod breaker;
mod fanout;
mod jitter;
mod join_set;
mod lag;
#[cfg(feature = "pool")]
mod pool;
#[cfg(feature = "rate-limit")]
mod rate;
#[cfg(feature = "retry")]
mod retry;
mod supervisors;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Counts futures in flight and remembers the most seen at once.
#[derive(Clone, Default)]
pub struct InFlight {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
}

impl InFlight {
    pub fn enter(&self) -> InFlightGuard {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        InFlightGuard(Arc::clone(&self.now))
    }

    pub fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }

    pub fn now(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }
}

/// Leaves the in-flight count on drop, so cancelled futures leave it too.
pub struct InFlightGuard(Arc<AtomicUsize>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A pseudo-random delay in milliseconds that differs from item to item, so
/// completions arrive out of input order.
pub fn scrambled_ms(i: usize) -> u64 {
    ((i * 7919) % 97) as u64
}
