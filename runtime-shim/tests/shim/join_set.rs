use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use loopguard_shim::{BoundedJoinSet, Observer};
use tokio::time::sleep;

use crate::{scrambled_ms, InFlight};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_waits_for_a_slot_across_worker_threads() {
    let in_flight = InFlight::default();
    let mut set = BoundedJoinSet::new(6);
    for i in 0..3_000usize {
        let in_flight = in_flight.clone();
        set.spawn(async move {
            let _guard = in_flight.enter();
            tokio::task::yield_now().await;
            i
        })
        .await;
    }
    let mut out = set.join_all().await;
    out.sort_unstable();
    assert_eq!(out, (0..3_000).collect::<Vec<_>>());
    assert!(
        in_flight.max() <= 6,
        "max in flight was {}",
        in_flight.max()
    );
}

#[tokio::test(start_paused = true)]
async fn slots_free_when_tasks_finish_not_when_joined() {
    let in_flight = InFlight::default();
    let mut set = BoundedJoinSet::new(4);
    for i in 0..400 {
        let in_flight = in_flight.clone();
        set.spawn(async move {
            let _guard = in_flight.enter();
            sleep(Duration::from_millis(scrambled_ms(i))).await;
        })
        .await;
    }
    // Nothing was joined, yet every spawn went through.
    assert_eq!(set.len(), 400);
    assert_eq!(in_flight.max(), 4);
    let mut joined = 0;
    while let Some(result) = set.join_next().await {
        result.unwrap();
        joined += 1;
    }
    assert_eq!(joined, 400);
    assert!(set.is_empty());
}

#[tokio::test(start_paused = true)]
async fn try_spawn_hands_the_task_back_when_full() {
    let mut set = BoundedJoinSet::new(1);
    assert!(set.try_spawn(sleep(Duration::from_secs(1))).is_ok());
    assert!(set.try_spawn(sleep(Duration::from_secs(1))).is_err());
    assert_eq!(set.available_permits(), 0);
    set.join_next().await.unwrap().unwrap();
    assert!(set.try_spawn(sleep(Duration::from_secs(1))).is_ok());
}

#[tokio::test(start_paused = true)]
async fn shutdown_aborts_and_frees_slots() {
    let in_flight = InFlight::default();
    let mut set = BoundedJoinSet::new(3);
    for _ in 0..3 {
        let in_flight = in_flight.clone();
        set.spawn(async move {
            let _guard = in_flight.enter();
            sleep(Duration::from_secs(3_600)).await;
        })
        .await;
    }
    // Let the spawned tasks reach their sleep.
    sleep(Duration::from_millis(1)).await;
    assert_eq!(in_flight.now(), 3);
    set.shutdown().await;
    assert_eq!(in_flight.now(), 0);
    assert_eq!(set.available_permits(), 3);
    assert!(set.is_empty());
}

#[tokio::test(start_paused = true)]
async fn cancelled_spawn_drops_the_task_unstarted() {
    let mut set = BoundedJoinSet::new(1);
    set.spawn(sleep(Duration::from_secs(10))).await;
    let started = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&started);
    let waiting = set.spawn(async move {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    assert!(tokio::time::timeout(Duration::from_secs(1), waiting)
        .await
        .is_err());
    set.join_all().await;
    assert_eq!(started.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "task blew up")]
async fn join_all_propagates_panics() {
    let mut set = BoundedJoinSet::new(2);
    set.spawn(async { panic!("task blew up") }).await;
    set.spawn(async {}).await;
    set.join_all().await;
}

#[derive(Default)]
struct Waits(AtomicUsize);

impl Observer for Waits {
    fn permit_wait(&self, _waited: Duration) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test(start_paused = true)]
async fn observer_sees_only_contended_spawns() {
    let waits = Arc::new(Waits::default());
    let mut set = BoundedJoinSet::new(2).with_observer(waits.clone());
    for _ in 0..5 {
        set.spawn(sleep(Duration::from_millis(10))).await;
    }
    set.join_all().await;
    // The third spawn waits until both running tasks finish at 10 ms, which
    // frees two slots: the fourth spawn takes the second one without waiting
    // and the fifth waits again.
    assert_eq!(waits.0.load(Ordering::SeqCst), 2);
}
