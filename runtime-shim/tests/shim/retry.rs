use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use loopguard_shim::retry::{retry, Backoff, Decision, Jitter, RetryBudget};
use loopguard_shim::Observer;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use tokio::time::Instant;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

proptest! {
    #[test]
    fn every_jitter_stays_within_its_aws_bounds(
        seed: u64,
        base_ms in 1u64..1_000,
        cap_ms in 1u64..60_000,
        retry in 0u32..80,
        previous_ms in 0u64..60_000,
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let (base, cap, previous) = (ms(base_ms), ms(cap_ms), ms(previous_ms));
        let exp = base.saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX)).min(cap);

        let full = Jitter::Full.delay(&mut rng, base, cap, retry, previous);
        prop_assert!(full <= exp);

        let equal = Jitter::Equal.delay(&mut rng, base, cap, retry, previous);
        prop_assert!(equal >= exp / 2 && equal <= exp);

        let decorrelated = Jitter::Decorrelated.delay(&mut rng, base, cap, retry, previous);
        prop_assert!(decorrelated >= base.min(cap));
        prop_assert!(decorrelated <= cap);
        prop_assert!(decorrelated <= previous.max(base) * 3);

        prop_assert_eq!(Jitter::None.delay(&mut rng, base, cap, retry, previous), exp);
    }

    #[test]
    fn schedule_length_is_attempts_minus_one(attempts in 1u32..50) {
        let policy = Backoff::new().max_attempts(attempts).no_max_elapsed().base(Duration::ZERO);
        prop_assert_eq!(policy.schedule().count() as u32, attempts - 1);
    }
}

#[test]
fn exponential_growth_doubles_and_caps() {
    let delays: Vec<Duration> = Backoff::new()
        .base(ms(50))
        .cap(ms(1_000))
        .max_attempts(8)
        .jitter(Jitter::None)
        .no_max_elapsed()
        .schedule()
        .collect();
    assert_eq!(delays, [50, 100, 200, 400, 800, 1_000, 1_000].map(ms));
}

#[tokio::test(start_paused = true)]
async fn schedule_stops_before_max_elapsed() {
    let policy = Backoff::new()
        .base(ms(400))
        .cap(ms(400))
        .max_attempts(100)
        .jitter(Jitter::None)
        .max_elapsed(ms(1_000));
    let mut schedule = policy.schedule();
    assert_eq!(schedule.next(), Some(ms(400)));
    tokio::time::advance(ms(400)).await;
    assert_eq!(schedule.next(), Some(ms(400)));
    tokio::time::advance(ms(400)).await;
    assert_eq!(schedule.next(), None, "a third retry would start at 1.2 s");
}

#[tokio::test(start_paused = true)]
async fn retries_until_success_with_the_scheduled_sleeps() {
    let policy = Backoff::new()
        .base(ms(100))
        .jitter(Jitter::None)
        .max_attempts(5);
    let calls = AtomicU32::new(0);
    let started = Instant::now();
    let result: Result<u32, &str> = retry(
        &policy,
        || async {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if n < 4 {
                Err("transient")
            } else {
                Ok(n)
            }
        },
        |_| Decision::Retry,
    )
    .await;
    assert_eq!(result, Ok(4));
    assert_eq!(started.elapsed(), ms(100 + 200 + 400));
}

#[tokio::test(start_paused = true)]
async fn max_attempts_counts_the_first_call() {
    let policy = Backoff::new().max_attempts(3);
    let calls = AtomicU32::new(0);
    let result: Result<(), u32> = retry(
        &policy,
        || async { Err(calls.fetch_add(1, Ordering::SeqCst) + 1) },
        |_| Decision::Retry,
    )
    .await;
    assert_eq!(result, Err(3), "the last error is returned");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn permanent_errors_are_not_retried() {
    let calls = AtomicU32::new(0);
    let result: Result<(), &str> = retry(
        &Backoff::new(),
        || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err("bad request")
        },
        |_| Decision::Fail,
    )
    .await;
    assert_eq!(result, Err("bad request"));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn retry_after_pushes_the_delay_out() {
    let policy = Backoff::new()
        .base(ms(10))
        .jitter(Jitter::None)
        .max_attempts(2);
    let started = Instant::now();
    let calls = AtomicU32::new(0);
    let _: Result<(), ()> = retry(
        &policy,
        || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(())
        },
        |_| Decision::RetryAfter(ms(3_000)),
    )
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(started.elapsed(), ms(3_000));
}

#[tokio::test(start_paused = true)]
async fn retry_after_beyond_max_elapsed_gives_up_at_once() {
    let policy = Backoff::new().max_attempts(5).max_elapsed(ms(1_000));
    let started = Instant::now();
    let calls = AtomicU32::new(0);
    let _: Result<(), ()> = retry(
        &policy,
        || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(())
        },
        |_| Decision::RetryAfter(ms(60_000)),
    )
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[derive(Default)]
struct Events {
    retries: Mutex<Vec<(u32, Duration)>>,
    refused: AtomicUsize,
}

impl Observer for Events {
    fn retry(&self, attempt: u32, delay: Duration) {
        self.retries.lock().unwrap().push((attempt, delay));
    }

    fn retry_budget_exhausted(&self) {
        self.refused.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test(start_paused = true)]
async fn budget_stops_retries() {
    // No floor and one retry per five calls: the first four calls find the
    // budget empty, the fifth earns one retry, and that retry's failure finds
    // it empty again.
    let budget = Arc::new(RetryBudget::new(Duration::from_secs(10), 0, 0.2));
    let events = Arc::new(Events::default());
    let policy = Backoff::new()
        .max_attempts(10)
        .budget(budget)
        .observer(events.clone());
    let calls = AtomicU32::new(0);
    for _ in 0..5 {
        let _: Result<(), ()> = retry(
            &policy,
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(())
            },
            |_| Decision::Retry,
        )
        .await;
    }
    assert_eq!(calls.load(Ordering::SeqCst), 5 + 1);
    assert_eq!(events.retries.lock().unwrap().len(), 1);
    assert_eq!(events.refused.load(Ordering::SeqCst), 5);
}

#[tokio::test(start_paused = true)]
async fn default_budget_floor_allows_ten_retries_per_second_of_window() {
    let budget = RetryBudget::default();
    let allowed = (0..1_000).take_while(|_| budget.withdraw()).count();
    assert_eq!(allowed, 100);
}

#[tokio::test(start_paused = true)]
async fn observer_sees_each_retry_with_its_attempt_number() {
    let events = Arc::new(Events::default());
    let policy = Backoff::new()
        .base(ms(10))
        .jitter(Jitter::None)
        .max_attempts(3)
        .observer(events.clone());
    let _: Result<(), ()> = retry(&policy, || async { Err(()) }, |_| Decision::Retry).await;
    assert_eq!(
        *events.retries.lock().unwrap(),
        vec![(1, ms(10)), (2, ms(20))]
    );
}

#[test]
fn full_jitter_is_also_in_the_retry_module() {
    let jitter: fn(Duration) -> Duration = loopguard_shim::retry::full_jitter;
    assert!(jitter(ms(5)) <= ms(5));
}

#[tokio::test(start_paused = true)]
async fn backoff_plugs_into_backon() {
    use backon::Retryable;

    let calls = AtomicU32::new(0);
    let result: Result<(), ()> = (|| async {
        calls.fetch_add(1, Ordering::SeqCst);
        Err(())
    })
    .retry(Backoff::new().max_attempts(4))
    .await;
    assert!(result.is_err());
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}
