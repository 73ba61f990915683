use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use loopguard_shim::{join_all_bounded, map_bounded, try_join_all_bounded};
use tokio::time::sleep;

use crate::{scrambled_ms, InFlight};

#[tokio::test(start_paused = true)]
async fn join_all_bounded_never_exceeds_limit_and_keeps_order() {
    let in_flight = InFlight::default();
    let futures = (0..5_000).map(|i| {
        let in_flight = in_flight.clone();
        async move {
            let _guard = in_flight.enter();
            sleep(Duration::from_millis(scrambled_ms(i))).await;
            i
        }
    });
    let out = join_all_bounded(futures, 16).await;
    assert_eq!(out, (0..5_000).collect::<Vec<_>>());
    assert_eq!(in_flight.max(), 16);
}

#[tokio::test]
#[should_panic(expected = "concurrency limit must be at least 1")]
async fn zero_limit_panics_instead_of_hanging() {
    join_all_bounded([async { 1 }], 0).await;
}

#[tokio::test]
#[should_panic(expected = "boom")]
async fn panics_propagate() {
    let futures = (0..10).map(|i| async move {
        if i == 3 {
            panic!("boom");
        }
        i
    });
    join_all_bounded(futures, 4).await;
}

#[tokio::test(start_paused = true)]
async fn dropping_the_join_cancels_in_flight_and_never_creates_the_rest() {
    let created = Arc::new(AtomicUsize::new(0));
    let in_flight = InFlight::default();
    let futures = (0..100).map(|_| {
        created.fetch_add(1, Ordering::SeqCst);
        let in_flight = in_flight.clone();
        async move {
            let _guard = in_flight.enter();
            sleep(Duration::from_secs(60)).await;
        }
    });
    let timed_out =
        tokio::time::timeout(Duration::from_secs(1), join_all_bounded(futures, 5)).await;
    assert!(timed_out.is_err());
    assert_eq!(in_flight.now(), 0, "in-flight futures were dropped");
    assert_eq!(
        created.load(Ordering::SeqCst),
        5,
        "only `limit` futures were created"
    );
}

#[tokio::test(start_paused = true)]
async fn try_join_all_bounded_fails_fast() {
    let created = Arc::new(AtomicUsize::new(0));
    let in_flight = InFlight::default();
    let futures = (0..1_000).map(|i| {
        created.fetch_add(1, Ordering::SeqCst);
        let in_flight = in_flight.clone();
        async move {
            let _guard = in_flight.enter();
            sleep(Duration::from_millis(if i == 10 { 1 } else { 50 })).await;
            if i == 10 {
                Err(format!("item {i}"))
            } else {
                Ok(i)
            }
        }
    });
    let err = try_join_all_bounded(futures, 20).await.unwrap_err();
    assert_eq!(err, "item 10");
    assert_eq!(in_flight.now(), 0, "the others were dropped");
    assert_eq!(
        created.load(Ordering::SeqCst),
        20,
        "no future was created after the error"
    );
}

#[tokio::test(start_paused = true)]
async fn try_join_all_bounded_keeps_order() {
    let futures = (0..500).map(|i| async move {
        sleep(Duration::from_millis(scrambled_ms(i))).await;
        Ok::<_, ()>(i * 2)
    });
    let out = try_join_all_bounded(futures, 7).await.unwrap();
    assert_eq!(out, (0..500).map(|i| i * 2).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn map_bounded_is_lazy_ordered_and_bounded() {
    let in_flight = InFlight::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let stream = map_bounded(0..2_000usize, 10, |i| {
        calls.fetch_add(1, Ordering::SeqCst);
        let in_flight = in_flight.clone();
        async move {
            let _guard = in_flight.enter();
            sleep(Duration::from_millis(scrambled_ms(i))).await;
            i
        }
    });
    let first: Vec<usize> = stream.take(3).collect().await;
    assert_eq!(first, vec![0, 1, 2]);
    assert!(
        calls.load(Ordering::SeqCst) <= 13,
        "items are pulled only as slots free"
    );

    let in_flight = InFlight::default();
    let all: Vec<usize> = map_bounded(0..2_000usize, 10, |i| {
        let in_flight = in_flight.clone();
        async move {
            let _guard = in_flight.enter();
            sleep(Duration::from_millis(scrambled_ms(i))).await;
            i
        }
    })
    .collect()
    .await;
    assert_eq!(all, (0..2_000).collect::<Vec<_>>());
    assert!(in_flight.max() <= 10);
}
