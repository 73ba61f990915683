//! A circuit breaker with a bounded number of half-open probes.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::observe::{Observer, SharedObserver};

/// The state of a [`CircuitBreaker`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Calls go through; consecutive failures are counted.
    Closed,
    /// Calls are refused until the open period ends.
    Open,
    /// A limited number of probe calls go through to test recovery.
    HalfOpen,
}

/// Returned instead of a permit while the breaker refuses calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerOpen {
    /// When the breaker will next let a probe through, if it is open (rather
    /// than half-open with every probe slot taken).
    pub retry_after: Option<Duration>,
}

impl fmt::Display for BreakerOpen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.retry_after {
            Some(after) => write!(f, "circuit breaker open; next probe in {after:?}"),
            None => f.write_str("circuit breaker half-open; all probe slots taken"),
        }
    }
}

impl std::error::Error for BreakerOpen {}

/// The error of [`CircuitBreaker::call`].
#[derive(Debug, PartialEq, Eq)]
pub enum BreakerError<E> {
    /// The breaker refused the call; the operation was not started.
    Open(BreakerOpen),
    /// The operation ran and failed (and was counted as a failure).
    Inner(E),
}

impl<E: fmt::Display> fmt::Display for BreakerError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakerError::Open(open) => open.fmt(f),
            BreakerError::Inner(err) => err.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for BreakerError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BreakerError::Open(open) => Some(open),
            BreakerError::Inner(err) => Some(err),
        }
    }
}

#[derive(Debug)]
enum Phase {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probes: u32, successes: u32 },
}

impl Phase {
    fn state(&self) -> BreakerState {
        match self {
            Phase::Closed { .. } => BreakerState::Closed,
            Phase::Open { .. } => BreakerState::Open,
            Phase::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

#[derive(Debug)]
struct Inner {
    phase: Phase,
    // Bumped on every transition: a permit from an earlier phase (a slow call
    // that started while closed) must not count towards the current one.
    generation: u64,
}

/// A circuit breaker: after `failure_threshold` consecutive failures it opens
/// and refuses calls for `open_for`, then lets at most `half_open_probes`
/// calls through at once; that many successes close it, one failure reopens
/// it.
///
/// Clones share the same state. The clock is Tokio's, so paused-time tests
/// control it.
///
/// | setting | default |
/// |---|---|
/// | [`failure_threshold`](Self::failure_threshold) | 5 |
/// | [`open_for`](Self::open_for) | 10 s |
/// | [`half_open_probes`](Self::half_open_probes) | 1 |
///
/// # Examples
///
/// ```
/// use loopguard_shim::{BreakerError, CircuitBreaker};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let breaker = CircuitBreaker::new().failure_threshold(2);
/// for _ in 0..2 {
///     let _ = breaker.call(|| async { Err::<(), _>("down") }).await;
/// }
/// let refused = breaker.call(|| async { Ok::<_, &str>(()) }).await;
/// assert!(matches!(refused, Err(BreakerError::Open(_))));
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct CircuitBreaker {
    inner: Arc<Mutex<Inner>>,
    failure_threshold: u32,
    open_for: Duration,
    half_open_probes: u32,
    observer: SharedObserver,
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self::new()
    }
}

impl CircuitBreaker {
    /// A closed breaker with the defaults in the table above.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                phase: Phase::Closed { failures: 0 },
                generation: 0,
            })),
            failure_threshold: 5,
            open_for: Duration::from_secs(10),
            half_open_probes: 1,
            observer: SharedObserver::default(),
        }
    }

    /// Consecutive failures that open the breaker.
    ///
    /// # Panics
    ///
    /// If `failures` is 0.
    #[track_caller]
    pub fn failure_threshold(mut self, failures: u32) -> Self {
        assert!(failures > 0, "failure_threshold must be at least 1");
        self.failure_threshold = failures;
        self
    }

    /// How long the breaker stays open before probing.
    pub fn open_for(mut self, period: Duration) -> Self {
        self.open_for = period;
        self
    }

    /// Probe calls allowed at once while half-open, and the successes needed
    /// to close again.
    ///
    /// # Panics
    ///
    /// If `probes` is 0 (the breaker could never close again).
    #[track_caller]
    pub fn half_open_probes(mut self, probes: u32) -> Self {
        assert!(probes > 0, "half_open_probes must be at least 1");
        self.half_open_probes = probes;
        self
    }

    /// Reports state transitions to `observer`.
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = SharedObserver(observer);
        self
    }

    /// The current state (an open breaker whose period has ended reports
    /// `Open` until the next [`acquire`](Self::acquire)).
    pub fn state(&self) -> BreakerState {
        self.lock().phase.state()
    }

    /// Asks to make one call.
    ///
    /// The permit records the outcome with [`BreakerPermit::success`] or
    /// [`BreakerPermit::failure`]. Dropping it without either (the call was
    /// cancelled) records nothing but frees its probe slot, so cancellation
    /// can neither wedge the breaker half-open nor count as a failure.
    ///
    /// # Errors
    ///
    /// [`BreakerOpen`] while the breaker is open, or half-open with every
    /// probe slot in use.
    pub fn acquire(&self) -> Result<BreakerPermit, BreakerOpen> {
        let mut inner = self.lock();
        let now = Instant::now();
        if let Phase::Open { until } = inner.phase {
            if now < until {
                return Err(BreakerOpen {
                    retry_after: Some(until - now),
                });
            }
            self.transition(
                &mut inner,
                Phase::HalfOpen {
                    probes: 0,
                    successes: 0,
                },
            );
        }
        let probe = match &mut inner.phase {
            Phase::Closed { .. } => false,
            Phase::HalfOpen { probes, .. } if *probes < self.half_open_probes => {
                *probes += 1;
                true
            }
            Phase::HalfOpen { .. } | Phase::Open { .. } => {
                return Err(BreakerOpen { retry_after: None })
            }
        };
        Ok(BreakerPermit {
            breaker: self.clone(),
            generation: inner.generation,
            probe,
            settled: false,
        })
    }

    /// Runs `op` if the breaker allows it and records the outcome.
    ///
    /// Cancel-safe: dropping the returned future mid-call records nothing.
    ///
    /// # Errors
    ///
    /// [`BreakerError::Open`] without calling `op`, or `op`'s own error.
    pub async fn call<T, E, F, Fut>(&self, op: F) -> Result<T, BreakerError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let permit = self.acquire().map_err(BreakerError::Open)?;
        match op().await {
            Ok(value) => {
                permit.success();
                Ok(value)
            }
            Err(err) => {
                permit.failure();
                Err(BreakerError::Inner(err))
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every update leaves the phase consistent, so a panic elsewhere while
        // the lock was held does not invalidate it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn transition(&self, inner: &mut Inner, to: Phase) {
        let from = inner.phase.state();
        inner.phase = to;
        inner.generation += 1;
        self.observer.breaker_transition(from, inner.phase.state());
    }

    fn settle(&self, generation: u64, probe: bool, outcome: Option<bool>) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        let open = Phase::Open {
            until: Instant::now() + self.open_for,
        };
        match (&mut inner.phase, outcome) {
            (Phase::Closed { failures }, Some(true)) => *failures = 0,
            (Phase::Closed { failures }, Some(false)) => {
                *failures += 1;
                if *failures >= self.failure_threshold {
                    self.transition(&mut inner, open);
                }
            }
            (Phase::HalfOpen { probes, successes }, outcome) if probe => {
                *probes -= 1;
                match outcome {
                    Some(true) => {
                        *successes += 1;
                        if *successes >= self.half_open_probes {
                            self.transition(&mut inner, Phase::Closed { failures: 0 });
                        }
                    }
                    Some(false) => self.transition(&mut inner, open),
                    None => {}
                }
            }
            _ => {}
        }
    }
}

/// Permission to make one call through a [`CircuitBreaker`]; see
/// [`CircuitBreaker::acquire`].
#[derive(Debug)]
#[must_use = "dropping a permit records nothing; call success() or failure()"]
pub struct BreakerPermit {
    breaker: CircuitBreaker,
    generation: u64,
    probe: bool,
    settled: bool,
}

impl BreakerPermit {
    /// Records a successful call.
    pub fn success(mut self) {
        self.settle(Some(true));
    }

    /// Records a failed call.
    pub fn failure(mut self) {
        self.settle(Some(false));
    }

    fn settle(&mut self, outcome: Option<bool>) {
        self.settled = true;
        self.breaker.settle(self.generation, self.probe, outcome);
    }
}

impl Drop for BreakerPermit {
    fn drop(&mut self) {
        if !self.settled {
            self.settle(None);
        }
    }
}
