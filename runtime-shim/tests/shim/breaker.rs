use std::sync::{Arc, Mutex};
use std::time::Duration;

use loopguard_shim::{BreakerError, BreakerOpen, BreakerState, CircuitBreaker, Observer};

#[derive(Default)]
struct Transitions(Mutex<Vec<(BreakerState, BreakerState)>>);

impl Observer for Transitions {
    fn breaker_transition(&self, from: BreakerState, to: BreakerState) {
        self.0.lock().unwrap().push((from, to));
    }
}

async fn fail(breaker: &CircuitBreaker) {
    let _ = breaker.call(|| async { Err::<(), _>("down") }).await;
}

#[tokio::test(start_paused = true)]
async fn opens_after_consecutive_failures_then_probes_and_closes() {
    let transitions = Arc::new(Transitions::default());
    let breaker = CircuitBreaker::new()
        .failure_threshold(3)
        .open_for(Duration::from_secs(5))
        .observer(transitions.clone());

    fail(&breaker).await;
    fail(&breaker).await;
    breaker.call(|| async { Ok::<_, ()>(()) }).await.unwrap();
    fail(&breaker).await;
    fail(&breaker).await;
    assert_eq!(
        breaker.state(),
        BreakerState::Closed,
        "a success resets the count"
    );
    fail(&breaker).await;
    assert_eq!(breaker.state(), BreakerState::Open);

    let refused = breaker.call(|| async { Ok::<_, ()>(()) }).await;
    assert_eq!(
        refused,
        Err(BreakerError::Open(BreakerOpen {
            retry_after: Some(Duration::from_secs(5))
        }))
    );

    tokio::time::advance(Duration::from_secs(5)).await;
    breaker.call(|| async { Ok::<_, ()>(()) }).await.unwrap();
    assert_eq!(breaker.state(), BreakerState::Closed);
    assert_eq!(
        *transitions.0.lock().unwrap(),
        vec![
            (BreakerState::Closed, BreakerState::Open),
            (BreakerState::Open, BreakerState::HalfOpen),
            (BreakerState::HalfOpen, BreakerState::Closed),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn half_open_caps_probes_and_a_failed_probe_reopens() {
    let breaker = CircuitBreaker::new()
        .failure_threshold(1)
        .open_for(Duration::from_secs(1))
        .half_open_probes(2);
    fail(&breaker).await;
    tokio::time::advance(Duration::from_secs(1)).await;

    let first = breaker.acquire().unwrap();
    let second = breaker.acquire().unwrap();
    assert_eq!(
        breaker.acquire().unwrap_err(),
        BreakerOpen { retry_after: None }
    );
    first.success();
    assert_eq!(breaker.state(), BreakerState::HalfOpen);
    second.failure();
    assert_eq!(breaker.state(), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_probe_frees_its_slot_without_an_outcome() {
    let breaker = CircuitBreaker::new()
        .failure_threshold(1)
        .open_for(Duration::from_secs(1));
    fail(&breaker).await;
    tokio::time::advance(Duration::from_secs(1)).await;

    let slow_probe = breaker.call(|| async {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok::<_, ()>(())
    });
    assert!(tokio::time::timeout(Duration::from_millis(10), slow_probe)
        .await
        .is_err());
    assert_eq!(breaker.state(), BreakerState::HalfOpen);
    breaker.call(|| async { Ok::<_, ()>(()) }).await.unwrap();
    assert_eq!(breaker.state(), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn a_slow_call_from_before_opening_does_not_count_later() {
    let breaker = CircuitBreaker::new()
        .failure_threshold(1)
        .open_for(Duration::from_secs(1));
    let stale = breaker.acquire().unwrap();
    fail(&breaker).await;
    tokio::time::advance(Duration::from_secs(1)).await;
    let probe = breaker.acquire().unwrap();
    stale.success();
    assert_eq!(breaker.state(), BreakerState::HalfOpen);
    probe.success();
    assert_eq!(breaker.state(), BreakerState::Closed);
}
