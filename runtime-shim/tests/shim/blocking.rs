use std::time::Duration;

use loopguard_shim::BlockingLimiter;

use crate::InFlight;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_bounds_concurrent_blocking_calls() {
    let limiter = BlockingLimiter::new(3);
    let in_flight = InFlight::default();
    let calls = (0..40).map(|i| {
        let limiter = limiter.clone();
        let in_flight = in_flight.clone();
        tokio::spawn(async move {
            limiter
                .run(move || {
                    let _guard = in_flight.enter();
                    std::thread::sleep(Duration::from_millis(2));
                    i
                })
                .await
        })
    });
    let mut out = Vec::new();
    for call in calls.collect::<Vec<_>>() {
        out.push(call.await.unwrap());
    }
    assert_eq!(out, (0..40).collect::<Vec<_>>());
    assert!(
        in_flight.max() <= 3,
        "max in flight was {}",
        in_flight.max()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_caller_keeps_the_slot_until_the_closure_returns() {
    let limiter = BlockingLimiter::new(1);
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let caller = tokio::spawn({
        let limiter = limiter.clone();
        async move {
            limiter
                .run(move || {
                    started_tx.send(()).unwrap();
                    wait.recv().unwrap();
                })
                .await
        }
    });
    started_rx.await.unwrap();
    caller.abort();
    let _ = caller.await;
    assert_eq!(
        limiter.available_permits(),
        0,
        "the closure is still running"
    );
    release.send(()).unwrap();
    limiter.run(|| ()).await;
    assert_eq!(limiter.available_permits(), 1);
}

#[tokio::test]
#[should_panic(expected = "blocking boom")]
async fn run_propagates_panics() {
    BlockingLimiter::new(1)
        .run(|| panic!("blocking boom"))
        .await
}
