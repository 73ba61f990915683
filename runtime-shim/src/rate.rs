//! A rate limiter over [`governor`] with an explicit burst.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::Quota;

use crate::observe::{Observer, SharedObserver};

/// Reads Tokio's clock, so that the limiter and the sleeps it causes agree,
/// and paused-time tests can drive both.
#[derive(Clone, Copy, Debug, Default)]
struct TokioClock;

impl Clock for TokioClock {
    type Instant = std::time::Instant;

    fn now(&self) -> std::time::Instant {
        tokio::time::Instant::now().into_std()
    }
}

type Gcra = governor::RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware>;

/// A GCRA rate limiter (a leaky bucket without a background task) that waits
/// with Tokio timers.
///
/// The burst is a required argument: `governor`'s `Quota::per_second(n)` and
/// `aiolimiter`'s `AsyncLimiter(n)` silently allow `n` calls at once, and a
/// fresh limiter lets that whole burst out at start-up. Here `burst` is the
/// number of calls that may go back to back (on start and after idling);
/// pass 1 for evenly spaced calls.
///
/// Clones share the same state. Needs the `rate-limit` feature.
///
/// # Examples
///
/// ```
/// use std::num::NonZeroU32;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let limiter = loopguard_shim::RateLimiter::per_second(
///     NonZeroU32::new(50).unwrap(),
///     NonZeroU32::new(1).unwrap(),
/// );
/// for _ in 0..3 {
///     limiter.acquire().await; // calls are 20 ms apart
/// }
/// # }
/// ```
#[derive(Clone, Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "rate-limit")))]
pub struct RateLimiter {
    gcra: Arc<Gcra>,
    observer: SharedObserver,
}

impl RateLimiter {
    /// Allows `rate` calls per second on average, at most `burst` back to
    /// back.
    pub fn per_second(rate: NonZeroU32, burst: NonZeroU32) -> Self {
        Self::from_quota(Quota::per_second(rate).allow_burst(burst))
    }

    /// Allows one call per `period` on average, at most `burst` back to back;
    /// `None` if `period` is zero.
    pub fn with_period(period: Duration, burst: NonZeroU32) -> Option<Self> {
        Quota::with_period(period).map(|quota| Self::from_quota(quota.allow_burst(burst)))
    }

    fn from_quota(quota: Quota) -> Self {
        Self {
            gcra: Arc::new(governor::RateLimiter::direct_with_clock(quota, TokioClock)),
            observer: SharedObserver::default(),
        }
    }

    /// Reports each delayed [`acquire`](Self::acquire) to `observer`.
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = SharedObserver(observer);
        self
    }

    /// Takes a slot now, or returns how long until one is free.
    ///
    /// # Errors
    ///
    /// The wait until the next slot, when none is free now.
    pub fn try_acquire(&self) -> Result<(), Duration> {
        self.gcra
            .check()
            .map_err(|not_until| not_until.wait_time_from(TokioClock.now()))
    }

    /// Waits for a slot and takes it.
    ///
    /// Cancel-safe: a slot is only taken when this returns.
    pub async fn acquire(&self) {
        let mut waited = Duration::ZERO;
        while let Err(wait) = self.try_acquire() {
            // Another waiter may take the slot first; then this loops and
            // waits for the next one.
            tokio::time::sleep(wait).await;
            waited += wait;
        }
        if !waited.is_zero() {
            self.observer.rate_limited(waited);
        }
    }
}
