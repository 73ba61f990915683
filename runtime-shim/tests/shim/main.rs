//! Behavioural tests of the public API. One test binary keeps link time down.

mod blocking;
mod breaker;
mod fanout;
mod join_set;
mod lag;
mod pool;
mod rate;
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
