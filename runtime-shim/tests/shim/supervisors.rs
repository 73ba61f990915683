use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use loopguard_shim::{TaskSupervisor, ThreadSupervisor};

#[test]
fn threads_stop_on_shutdown_and_are_named() {
    let workers = ThreadSupervisor::new();
    let names = Arc::new(std::sync::Mutex::new(Vec::new()));
    for i in 0..3 {
        let names = Arc::clone(&names);
        workers
            .spawn_managed(format!("worker-{i}"), move |stop| {
                names
                    .lock()
                    .unwrap()
                    .push(std::thread::current().name().unwrap().to_string());
                while !stop.wait_timeout(Duration::from_secs(60)) {}
            })
            .unwrap();
    }
    let report = workers.shutdown(Duration::from_secs(10));
    assert!(report.all_stopped());
    let mut stopped = report.stopped.clone();
    stopped.sort();
    assert_eq!(stopped, ["worker-0", "worker-1", "worker-2"]);
    let mut seen = names.lock().unwrap().clone();
    seen.sort();
    assert_eq!(seen, stopped);
}

#[test]
fn shutdown_reports_stuck_and_panicked_threads_within_grace() {
    let workers = ThreadSupervisor::new();
    let release = Arc::new(AtomicBool::new(false));
    let stuck_release = Arc::clone(&release);
    workers
        .spawn_managed("stuck", move |_stop| {
            // Ignores the stop token, as a thread blocked in I/O would.
            while !stuck_release.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
        })
        .unwrap();
    workers
        .spawn_managed("crasher", |_stop| panic!("worker crashed"))
        .unwrap();
    workers
        .spawn_managed("polite", |stop| {
            while !stop.wait_timeout(Duration::from_secs(60)) {}
        })
        .unwrap();

    let report = workers.shutdown(Duration::from_secs(1));
    release.store(true, Ordering::SeqCst);
    assert_eq!(report.still_running, ["stuck"]);
    assert_eq!(report.panicked, ["crasher"]);
    assert_eq!(report.stopped, ["polite"]);
}

#[test]
fn dropping_the_supervisor_stops_its_threads() {
    let finished = Arc::new(AtomicUsize::new(0));
    {
        let workers = ThreadSupervisor::new();
        for i in 0..2 {
            let finished = Arc::clone(&finished);
            workers
                .spawn_managed(format!("w{i}"), move |stop| {
                    while !stop.wait_timeout(Duration::from_secs(60)) {}
                    finished.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
        }
    }
    assert_eq!(finished.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn task_supervisor_lets_cooperative_tasks_finish() {
    let tasks = TaskSupervisor::new();
    let flushed = Arc::new(AtomicUsize::new(0));
    for _ in 0..10 {
        let flushed = Arc::clone(&flushed);
        tasks.spawn_with_token(|stop| async move {
            stop.cancelled().await;
            tokio::time::sleep(Duration::from_millis(100)).await;
            flushed.fetch_add(1, Ordering::SeqCst);
        });
    }
    assert_eq!(tasks.len(), 10);
    let report = tasks.shutdown(Duration::from_secs(1)).await;
    assert_eq!(report.aborted, 0);
    assert_eq!(flushed.load(Ordering::SeqCst), 10);
    assert!(tasks.is_empty());
}

#[tokio::test(start_paused = true)]
async fn task_supervisor_aborts_tasks_that_overstay_the_grace() {
    let tasks = TaskSupervisor::new();
    let stubborn = tasks.spawn(tokio::time::sleep(Duration::from_secs(3_600)));
    let polite = tasks.spawn_with_token(|stop| async move { stop.cancelled().await });
    let report = tasks.shutdown(Duration::from_secs(1)).await;
    assert_eq!(report.aborted, 1);
    assert!(stubborn.await.unwrap_err().is_cancelled());
    polite.await.unwrap();
    assert!(tasks.is_empty());
}
