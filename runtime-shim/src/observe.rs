//! One place to hook metrics into every building block of the shim.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::breaker::BreakerState;

/// Receives the events that say a bound is doing its job (or is too tight).
///
/// Every method has a no-op default, so an implementation overrides only the
/// events it records. The trait is the same whatever features are on; events
/// of a component that is compiled out are simply never reported. Implement it once (for example over `metrics` or
/// OpenTelemetry counters) and hand the same `Arc` to each component with its
/// `observer(..)` / `with_observer(..)` method.
///
/// Methods are called synchronously on the task or thread that hit the event,
/// sometimes while an internal lock is held, so they must be cheap and must
/// not call back into the component that reported them.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::time::Duration;
///
/// #[derive(Default)]
/// struct RetryCounter(AtomicU64);
///
/// impl loopguard_shim::Observer for RetryCounter {
///     fn retry(&self, _attempt: u32, _delay: Duration) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// ```
pub trait Observer: Send + Sync {
    /// A caller, or a task queued by [`BoundedJoinSet::spawn`], had to wait
    /// `waited` for a concurrency permit
    /// ([`BoundedJoinSet`](crate::BoundedJoinSet),
    /// [`BlockingLimiter`](crate::BlockingLimiter)). Not called when a permit
    /// was free straight away.
    ///
    /// [`BoundedJoinSet::spawn`]: crate::BoundedJoinSet::spawn
    fn permit_wait(&self, waited: Duration) {
        let _ = waited;
    }

    /// Attempt number `attempt` (1 is the first call) of `retry::retry`
    /// (feature `retry`) failed with a retryable error and the next attempt
    /// starts after `delay`.
    fn retry(&self, attempt: u32, delay: Duration) {
        let _ = (attempt, delay);
    }

    /// A retryable failure was not retried because the `retry::RetryBudget`
    /// was empty (feature `retry`).
    fn retry_budget_exhausted(&self) {}

    /// A [`CircuitBreaker`](crate::CircuitBreaker) changed state.
    fn breaker_transition(&self, from: BreakerState, to: BreakerState) {
        let _ = (from, to);
    }

    /// A `RateLimiter` (feature `rate-limit`) delayed a caller by `wait`.
    fn rate_limited(&self, wait: Duration) {
        let _ = wait;
    }

    /// A pool built by `pool::build_pool` (feature `pool`) gave up waiting.
    fn pool_timeout(&self, stage: PoolStage) {
        let _ = stage;
    }

    /// The [`LoopLagMonitor`](crate::LoopLagMonitor) saw its timer fire `lag`
    /// late, i.e. something blocked a runtime worker for about that long.
    fn loop_lag(&self, lag: Duration) {
        let _ = lag;
    }
}

/// Which step of a pool checkout timed out; see [`Observer::pool_timeout`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PoolStage {
    /// Waiting for a free slot in the pool.
    Wait,
    /// Creating a new object.
    Create,
    /// Recycling (health-checking) an idle object.
    Recycle,
}

/// The default observer: ignores every event.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopObserver;

impl Observer for NoopObserver {}

/// The shared handle every component stores; cloning it is a reference-count
/// bump.
#[derive(Clone)]
pub(crate) struct SharedObserver(pub(crate) Arc<dyn Observer>);

impl Default for SharedObserver {
    fn default() -> Self {
        Self(Arc::new(NoopObserver))
    }
}

impl fmt::Debug for SharedObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer")
    }
}

impl std::ops::Deref for SharedObserver {
    type Target = dyn Observer;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}
