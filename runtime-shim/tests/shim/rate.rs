use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use loopguard_shim::{Observer, RateLimiter};
use tokio::time::Instant;

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

#[tokio::test(start_paused = true)]
async fn burst_of_one_spaces_calls_evenly_from_the_start() {
    let limiter = RateLimiter::per_second(nz(10), nz(1));
    let started = Instant::now();
    for _ in 0..11 {
        limiter.acquire().await;
    }
    assert_eq!(started.elapsed(), Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn explicit_burst_is_the_only_burst() {
    let limiter = RateLimiter::per_second(nz(100), nz(5));
    let immediate = (0..100)
        .take_while(|_| limiter.try_acquire().is_ok())
        .count();
    assert_eq!(immediate, 5);
    assert_eq!(limiter.try_acquire(), Err(Duration::from_millis(10)));
}

#[derive(Default)]
struct Limited(AtomicUsize);

impl Observer for Limited {
    fn rate_limited(&self, _wait: Duration) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test(start_paused = true)]
async fn concurrent_waiters_share_the_rate() {
    let limited = Arc::new(Limited::default());
    let limiter = RateLimiter::with_period(Duration::from_millis(100), nz(1))
        .unwrap()
        .observer(limited.clone());
    let started = Instant::now();
    let waiters: Vec<_> = (0..5)
        .map(|_| {
            let limiter = limiter.clone();
            tokio::spawn(async move { limiter.acquire().await })
        })
        .collect();
    for waiter in waiters {
        waiter.await.unwrap();
    }
    assert_eq!(started.elapsed(), Duration::from_millis(400));
    assert_eq!(limited.0.load(Ordering::SeqCst), 4);
}
