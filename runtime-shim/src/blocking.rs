//! A bound on concurrent blocking calls.

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::observe::{Observer, SharedObserver};
use crate::permit::{acquire, assert_limit};

/// Runs blocking closures on Tokio's blocking pool, at most `limit` at a time.
///
/// `spawn_blocking` alone accepts up to 512 threads' worth of work by default
/// and queues the rest without bound, which lets one slow dependency (a file
/// system, a synchronous database driver) pile up threads and memory. A
/// `BlockingLimiter` per dependency keeps that dependency to `limit` threads.
///
/// Clones share the same limit.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let disk = loopguard_shim::BlockingLimiter::new(4);
/// let len = disk.run(|| std::fs::read("Cargo.toml").map(|bytes| bytes.len())).await;
/// assert!(len.is_ok());
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct BlockingLimiter {
    permits: Arc<Semaphore>,
    observer: SharedObserver,
}

impl BlockingLimiter {
    /// A limiter that runs at most `limit` closures at once.
    ///
    /// # Panics
    ///
    /// If `limit` is 0 or larger than [`Semaphore::MAX_PERMITS`].
    #[track_caller]
    pub fn new(limit: usize) -> Self {
        assert_limit(limit);
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            observer: SharedObserver::default(),
        }
    }

    /// Reports the time [`run`](Self::run) waits for a slot to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = SharedObserver(observer);
        self
    }

    /// Waits for a slot, then runs `f` with [`tokio::task::spawn_blocking`]
    /// and returns its result.
    ///
    /// The slot is held until `f` returns, even if the future returned here is
    /// dropped first: a blocking closure cannot be cancelled, so releasing the
    /// slot early would let more than `limit` closures run.
    ///
    /// # Panics
    ///
    /// Re-raises a panic from `f`. Panics if called outside a Tokio runtime,
    /// or if the runtime shuts down while `f` is queued.
    pub async fn run<F, R>(&self, f: F) -> R
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let permit = acquire(&self.permits, &self.observer).await;
        let handle = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f()
        });
        match handle.await {
            Ok(output) => output,
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            Err(err) => panic!("blocking call did not run: {err}"),
        }
    }

    /// Number of closures that could start right now without waiting.
    pub fn available_permits(&self) -> usize {
        self.permits.available_permits()
    }
}
