use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use loopguard_shim::{BoundedJoinSet, Observer};
use tokio::time::sleep;

use crate::{scrambled_ms, InFlight};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_when_free_waits_for_a_slot_across_worker_threads() {
    let in_flight = InFlight::default();
    let mut set = BoundedJoinSet::new(6);
    for i in 0..3_000usize {
        let in_flight = in_flight.clone();
        set.spawn_when_free(async move {
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
        set.spawn_when_free(async move {
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
        set.spawn_when_free(async move {
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
async fn cancelled_spawn_when_free_drops_the_task_unstarted() {
    let mut set = BoundedJoinSet::new(1);
    set.spawn_when_free(sleep(Duration::from_secs(10))).await;
    let started = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&started);
    let waiting = set.spawn_when_free(async move {
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
    set.spawn_when_free(async { panic!("task blew up") }).await;
    set.spawn_when_free(async {}).await;
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
async fn observer_sees_only_contended_spawn_when_free() {
    let waits = Arc::new(Waits::default());
    let mut set = BoundedJoinSet::new(2).with_observer(waits.clone());
    for _ in 0..5 {
        set.spawn_when_free(sleep(Duration::from_millis(10))).await;
    }
    set.join_all().await;
    // The third spawn waits until both running tasks finish at 10 ms, which
    // frees two slots: the fourth spawn takes the second one without waiting
    // and the fifth waits again.
    assert_eq!(waits.0.load(Ordering::SeqCst), 2);
}

// `spawn` is synchronous, like `JoinSet::spawn`: the task is in the set when it returns and waits
// for a slot inside the set.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_is_sync_and_still_bounds_running_tasks() {
    let in_flight = InFlight::default();
    let mut set = BoundedJoinSet::new(6);
    for i in 0..3_000usize {
        let in_flight = in_flight.clone();
        // Discarding the handle is fine: the task is spawned either way.
        let _ = set.spawn(async move {
            let _guard = in_flight.enter();
            tokio::task::yield_now().await;
            i
        });
    }
    // Nothing was awaited, yet every task is in the set.
    assert_eq!(set.len(), 3_000);
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
async fn spawn_runs_a_task_whose_handle_is_dropped() {
    let ran = Arc::new(AtomicUsize::new(0));
    let mut set = BoundedJoinSet::new(1);
    for _ in 0..3 {
        let ran = Arc::clone(&ran);
        let _ = set.spawn(async move {
            ran.fetch_add(1, Ordering::SeqCst);
        });
    }
    set.join_all().await;
    assert_eq!(ran.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn spawned_tasks_start_in_order_as_slots_free() {
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let in_flight = InFlight::default();
    let mut set = BoundedJoinSet::new(2);
    for i in 0..20 {
        let (order, in_flight) = (Arc::clone(&order), in_flight.clone());
        set.spawn(async move {
            let _guard = in_flight.enter();
            order.lock().unwrap().push(i);
            sleep(Duration::from_millis(scrambled_ms(i))).await;
        });
    }
    set.join_all().await;
    assert_eq!(in_flight.max(), 2);
    assert_eq!(*order.lock().unwrap(), (0..20).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn aborting_a_queued_task_never_polls_it_and_keeps_the_bound() {
    let started = Arc::new(AtomicUsize::new(0));
    let mut set = BoundedJoinSet::new(1);
    let running = set.spawn(sleep(Duration::from_secs(10)));
    let counter = Arc::clone(&started);
    let queued = set.spawn(async move {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    sleep(Duration::from_millis(1)).await;
    assert_eq!(set.available_permits(), 0);
    queued.abort();
    let aborted = set.join_next().await.unwrap().unwrap_err();
    assert!(aborted.is_cancelled());
    assert_eq!(started.load(Ordering::SeqCst), 0);
    // The running task still holds the only slot.
    assert_eq!(set.available_permits(), 0);
    running.abort();
    assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    assert_eq!(set.available_permits(), 1);
}

#[tokio::test(start_paused = true)]
async fn spawn_and_spawn_when_free_share_the_bound() {
    let in_flight = InFlight::default();
    let mut set = BoundedJoinSet::new(3);
    for i in 0..30 {
        let in_flight = in_flight.clone();
        let task = async move {
            let _guard = in_flight.enter();
            sleep(Duration::from_millis(scrambled_ms(i))).await;
        };
        if i % 2 == 0 {
            set.spawn(task);
        } else {
            set.spawn_when_free(task).await;
        }
    }
    set.join_all().await;
    assert_eq!(in_flight.max(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_freed_slot_goes_to_the_queued_task_not_to_try_spawn() {
    let mut set = BoundedJoinSet::new(1);
    let (finish, finished) = tokio::sync::oneshot::channel::<()>();
    set.spawn(async move {
        let _ = finished.await;
    });
    set.spawn(sleep(Duration::from_secs(10)));
    // Both tasks have been polled: the first holds the slot, the second waits for it.
    sleep(Duration::from_millis(1)).await;
    finish.send(()).unwrap();
    set.join_next().await.unwrap().unwrap();
    assert!(set.try_spawn(async {}).is_err());
    set.join_all().await;
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "queued task blew up")]
async fn join_all_propagates_panics_of_spawned_tasks() {
    let mut set = BoundedJoinSet::new(1);
    set.spawn(async {});
    set.spawn(async { panic!("queued task blew up") });
    set.join_all().await;
}

#[tokio::test(start_paused = true)]
async fn observer_sees_the_wait_of_queued_tasks() {
    let waits = Arc::new(Waits::default());
    let mut set = BoundedJoinSet::new(1).with_observer(waits.clone());
    for _ in 0..3 {
        set.spawn(sleep(Duration::from_millis(10)));
    }
    set.join_all().await;
    assert_eq!(waits.0.load(Ordering::SeqCst), 2);
}
