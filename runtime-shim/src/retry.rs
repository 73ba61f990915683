//! Retries with capped exponential backoff, jitter on by default, an attempt
//! limit that cannot be left out, and a retry budget.
//!
//! The retry loop itself is [`backon`]'s; this module owns the *schedule*
//! ([`Backoff`] / [`Schedule`]), the error classification ([`Decision`]) and
//! the budget, which is where the usual defaults go wrong:
//!
//! * `backon`'s builders ship with jitter off, so clients that failed together
//!   retry together; [`Backoff`] uses full jitter unless told otherwise.
//! * `tokio-retry`'s `ExponentialBackoff::from_millis(50)` multiplies by 50 on
//!   every step (50 ms, 2.5 s, 125 s); [`Backoff`] doubles from `base` and
//!   never exceeds `cap`.
//! * An attempt limit alone still multiplies load during an outage by that
//!   limit; the [`RetryBudget`] caps retries to a fraction of recent calls.
//!
//! Needs the `retry` feature (it brings in backon and tower).
//! [`full_jitter`] alone needs no feature and is also at the crate root.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, Retryable};
use rand::Rng;
use tokio::time::Instant;
use tower::retry::budget::{Budget, TpsBudget};

pub use crate::jitter::full_jitter;
use crate::jitter::uniform;
use crate::observe::{Observer, SharedObserver};

/// How a delay is randomised, after "Exponential Backoff And Jitter" (AWS
/// Architecture Blog, 2015). `exp` below is `min(cap, base * 2^n)` for the
/// n-th retry, counting from 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Jitter {
    /// `uniform(0, exp)`: the least contention; the default.
    #[default]
    Full,
    /// `exp / 2 + uniform(0, exp / 2)`: keeps at least half the delay.
    Equal,
    /// `min(cap, uniform(base, previous * 3))`, starting from `previous =
    /// base`: grows from the last actual delay instead of the attempt count.
    Decorrelated,
    /// `exp` exactly. Only for tests and for single clients; synchronised
    /// clients will retry in lockstep.
    None,
}

impl Jitter {
    /// The delay before retry number `retry` (0-based) given the `previous`
    /// delay, drawn from `rng`. Always within `[0, cap]`.
    pub fn delay<R: Rng + ?Sized>(
        self,
        rng: &mut R,
        base: Duration,
        cap: Duration,
        retry: u32,
        previous: Duration,
    ) -> Duration {
        let exp = exponential(base, cap, retry);
        match self {
            Jitter::Full => uniform(rng, Duration::ZERO, exp),
            Jitter::Equal => exp / 2 + uniform(rng, Duration::ZERO, exp - exp / 2),
            Jitter::Decorrelated => {
                let high = previous.max(base).saturating_mul(3).min(cap);
                uniform(rng, base.min(cap), high)
            }
            Jitter::None => exp,
        }
    }
}

fn exponential(base: Duration, cap: Duration, retry: u32) -> Duration {
    let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(cap)
}

/// What to do with an error; returned by the `classify` function given to
/// [`retry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Transient: retry after the scheduled delay.
    Retry,
    /// The server asked for pushback (HTTP `Retry-After`, gRPC
    /// `retry-pushback-ms`, a throttling error): retry, but not sooner than
    /// this. The attempt limit, `max_elapsed` and the budget still apply.
    RetryAfter(Duration),
    /// Permanent: return the error now.
    Fail,
}

/// A retry budget: retries may add at most a fixed fraction to the calls made
/// recently, plus a small floor so that quiet clients can still retry.
///
/// This is Finagle's and tower's `TpsBudget` (the implementation is tower's):
/// each call [`deposit`](Self::deposit)s, each retry must
/// [`withdraw`](Self::withdraw), and deposits expire after the window. Share
/// one budget (it is cheap to put in an `Arc`) between all callers of the same
/// downstream so that an outage cannot be multiplied by the attempt limit.
#[derive(Debug)]
pub struct RetryBudget(TpsBudget);

impl RetryBudget {
    /// A budget over a `window` (1 to 60 s) that always allows `min_per_sec`
    /// retries per second and on top of that `ratio` retries per call (0.2
    /// allows one retry for every five calls).
    ///
    /// # Panics
    ///
    /// If `window` is outside 1–60 s or `ratio` outside 0–1000.
    pub fn new(window: Duration, min_per_sec: u32, ratio: f32) -> Self {
        Self(TpsBudget::new(window, min_per_sec, ratio))
    }

    /// Records a call (first attempts only, not retries).
    pub fn deposit(&self) {
        self.0.deposit();
    }

    /// Takes the cost of one retry from the budget; `false` means the budget
    /// is empty and the retry must not happen.
    pub fn withdraw(&self) -> bool {
        self.0.withdraw()
    }
}

impl Default for RetryBudget {
    /// A 10 s window, a floor of 10 retries per second and a 20% ratio, as in
    /// Finagle and tower.
    fn default() -> Self {
        Self::new(Duration::from_secs(10), 10, 0.2)
    }
}

/// A retry policy: capped exponential backoff with jitter, an attempt limit, an
/// optional time limit and a retry budget.
///
/// Build it once per downstream and reuse it: clones share the budget.
///
/// | setting | default |
/// |---|---|
/// | [`base`](Self::base) | 100 ms |
/// | [`cap`](Self::cap) | 10 s |
/// | [`max_attempts`](Self::max_attempts) (including the first call) | 3 |
/// | [`max_elapsed`](Self::max_elapsed) | 30 s |
/// | [`jitter`](Self::jitter) | [`Jitter::Full`] |
/// | [`budget`](Self::budget) | a fresh [`RetryBudget::default`] |
///
/// `Backoff` is also a [`backon::BackoffBuilder`], so it can be passed to
/// `backon`'s `.retry(..)` directly.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use loopguard_shim::retry::{retry, Backoff, Decision};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let policy = Backoff::new()
///     .base(Duration::from_millis(50))
///     .cap(Duration::from_secs(2))
///     .max_attempts(4);
///
/// let mut calls = 0;
/// let result: Result<u32, &str> = retry(
///     &policy,
///     || {
///         calls += 1;
///         let outcome = if calls < 3 { Err("busy") } else { Ok(calls) };
///         async move { outcome }
///     },
///     |_err| Decision::Retry,
/// )
/// .await;
/// assert_eq!(result, Ok(3));
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    max_attempts: u32,
    max_elapsed: Option<Duration>,
    jitter: Jitter,
    budget: Option<Arc<RetryBudget>>,
    observer: SharedObserver,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

impl Backoff {
    /// The policy with the defaults in the table above.
    pub fn new() -> Self {
        Self {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(10),
            max_attempts: 3,
            max_elapsed: Some(Duration::from_secs(30)),
            jitter: Jitter::Full,
            budget: Some(Arc::new(RetryBudget::default())),
            observer: SharedObserver::default(),
        }
    }

    /// The delay before the first retry, before jitter; doubles on each retry.
    pub fn base(mut self, base: Duration) -> Self {
        self.base = base;
        self
    }

    /// The largest delay, before jitter.
    pub fn cap(mut self, cap: Duration) -> Self {
        self.cap = cap;
        self
    }

    /// The most calls to make, counting the first one: `1` never retries.
    ///
    /// # Panics
    ///
    /// If `attempts` is 0.
    #[track_caller]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        assert!(
            attempts > 0,
            "max_attempts counts the first call and must be at least 1"
        );
        self.max_attempts = attempts;
        self
    }

    /// Gives up once a retry would start more than `limit` after the first
    /// call started.
    pub fn max_elapsed(mut self, limit: Duration) -> Self {
        self.max_elapsed = Some(limit);
        self
    }

    /// Removes the time limit, leaving only the attempt limit.
    pub fn no_max_elapsed(mut self) -> Self {
        self.max_elapsed = None;
        self
    }

    /// How delays are randomised.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Draws retries from `budget`, typically one shared by every policy that
    /// talks to the same downstream.
    pub fn budget(mut self, budget: Arc<RetryBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Retries without a budget, bounded only by the attempt and time limits.
    pub fn without_budget(mut self) -> Self {
        self.budget = None;
        self
    }

    /// Reports each retry and each budget refusal to `observer`.
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = SharedObserver(observer);
        self
    }

    /// The delays before each retry, starting the `max_elapsed` clock now.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            base: self.base,
            cap: self.cap,
            jitter: self.jitter,
            retries_left: self.max_attempts - 1,
            retry: 0,
            previous: self.base,
            deadline: self.max_elapsed.map(|limit| Instant::now() + limit),
        }
    }
}

impl BackoffBuilder for Backoff {
    type Backoff = Schedule;

    fn build(self) -> Schedule {
        self.schedule()
    }
}

/// The delays of one retry loop, as produced by [`Backoff::schedule`]: an
/// iterator that ends when the attempt limit is used up or the next retry
/// would start after the `max_elapsed` deadline.
#[derive(Clone, Debug)]
pub struct Schedule {
    base: Duration,
    cap: Duration,
    jitter: Jitter,
    retries_left: u32,
    retry: u32,
    previous: Duration,
    deadline: Option<Instant>,
}

impl Schedule {
    /// Whether a retry that waits `delay` from now would start after the
    /// deadline.
    fn past_deadline(&self, delay: Duration) -> bool {
        self.deadline
            .is_some_and(|deadline| Instant::now() + delay > deadline)
    }
}

impl Iterator for Schedule {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if self.retries_left == 0 {
            return None;
        }
        let delay = self.jitter.delay(
            &mut rand::rng(),
            self.base,
            self.cap,
            self.retry,
            self.previous,
        );
        if self.past_deadline(delay) {
            self.retries_left = 0;
            return None;
        }
        self.retries_left -= 1;
        self.retry = self.retry.saturating_add(1);
        self.previous = delay;
        Some(delay)
    }
}

/// Calls `op` until it succeeds, `classify` says [`Decision::Fail`], or the
/// policy runs out (attempts, elapsed time or budget); returns the last
/// result.
///
/// `op` is called again for each attempt, so it must build a fresh future
/// each time. Dropping the returned future cancels the attempt or sleep in
/// progress.
///
/// See [`Backoff`] for an example.
pub async fn retry<T, E, Op, Fut, C>(policy: &Backoff, op: Op, mut classify: C) -> Result<T, E>
where
    Op: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    C: FnMut(&E) -> Decision,
{
    if let Some(budget) = &policy.budget {
        budget.deposit();
    }
    let mut schedule = policy.schedule();
    let observer = &policy.observer;
    let mut attempt = 0u32;
    // backon's own schedule slot is left empty: the delay is decided here,
    // where the error (for pushback) and the budget are both in view.
    op.retry(std::iter::repeat(Duration::ZERO))
        .adjust(|err, _| {
            attempt += 1;
            let delay = match classify(err) {
                Decision::Fail => return None,
                Decision::Retry => schedule.next()?,
                Decision::RetryAfter(pushback) => {
                    let delay = schedule.next()?.max(pushback);
                    if schedule.past_deadline(delay) {
                        return None;
                    }
                    delay
                }
            };
            if let Some(budget) = &policy.budget {
                if !budget.withdraw() {
                    observer.retry_budget_exhausted();
                    return None;
                }
            }
            observer.retry(attempt, delay);
            Some(delay)
        })
        .await
}
