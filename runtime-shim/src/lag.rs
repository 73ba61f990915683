//! Runtime detection of blocked Tokio workers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::observe::{NoopObserver, Observer};

/// A probe task that sleeps for `interval` and measures how late it wakes up.
///
/// A late wake-up means the worker was busy with something that did not
/// yield: a blocking call, a long computation, a `std::sync` lock held
/// across contention. This is the runtime complement of loopguard's static
/// checks. Each lag of at least `threshold` is logged with
/// `tracing::warn!` and passed to [`Observer::loop_lag`].
///
/// On a multi-threaded runtime the probe only sees the worker it happens to
/// be polled on; run one per runtime, and prefer a current-thread runtime
/// (or Tokio's own runtime metrics) for exact per-worker numbers.
///
/// The probe stops when the monitor is dropped.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let monitor = loopguard_shim::LoopLagMonitor::spawn(Duration::from_millis(100), Duration::from_millis(250));
/// // ... run the application ...
/// println!("worst lag so far: {:?}", monitor.max_lag());
/// # }
/// ```
#[derive(Debug)]
pub struct LoopLagMonitor {
    probe: AbortHandle,
    max_lag_nanos: Arc<AtomicU64>,
}

impl LoopLagMonitor {
    /// Starts probing every `interval`, logging lags of at least `threshold`.
    ///
    /// # Panics
    ///
    /// If called outside a Tokio runtime.
    pub fn spawn(threshold: Duration, interval: Duration) -> Self {
        Self::spawn_with_observer(threshold, interval, Arc::new(NoopObserver))
    }

    /// Like [`spawn`](Self::spawn), also reporting each lag to `observer`.
    ///
    /// # Panics
    ///
    /// If called outside a Tokio runtime.
    pub fn spawn_with_observer(
        threshold: Duration,
        interval: Duration,
        observer: Arc<dyn Observer>,
    ) -> Self {
        let max_lag_nanos = Arc::new(AtomicU64::new(0));
        let max = Arc::clone(&max_lag_nanos);
        let probe = tokio::spawn(async move {
            loop {
                let started = Instant::now();
                tokio::time::sleep(interval).await;
                let lag = started.elapsed().saturating_sub(interval);
                max.fetch_max(
                    u64::try_from(lag.as_nanos()).unwrap_or(u64::MAX),
                    Ordering::Relaxed,
                );
                if lag >= threshold {
                    tracing::warn!(?lag, "loopguard-shim: Tokio worker was blocked");
                    observer.loop_lag(lag);
                }
            }
        })
        .abort_handle();
        Self {
            probe,
            max_lag_nanos,
        }
    }

    /// The largest lag seen so far, below the threshold or not.
    pub fn max_lag(&self) -> Duration {
        Duration::from_nanos(self.max_lag_nanos.load(Ordering::Relaxed))
    }
}

impl Drop for LoopLagMonitor {
    fn drop(&mut self) {
        self.probe.abort();
    }
}
