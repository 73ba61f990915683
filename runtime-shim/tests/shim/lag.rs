use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use loopguard_shim::{LoopLagMonitor, Observer};

#[derive(Default)]
struct Lags(AtomicUsize);

impl Observer for Lags {
    fn loop_lag(&self, _lag: Duration) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

// Real time on purpose: blocking the only worker is what is being detected,
// and the 300 ms block is far above the 50 ms threshold.
#[tokio::test(flavor = "current_thread")]
async fn detects_a_blocked_worker() {
    let lags = Arc::new(Lags::default());
    let monitor = LoopLagMonitor::spawn_with_observer(
        Duration::from_millis(50),
        Duration::from_millis(5),
        lags.clone(),
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    std::thread::sleep(Duration::from_millis(300));
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(monitor.max_lag() >= Duration::from_millis(250));
    assert!(lags.0.load(Ordering::SeqCst) >= 1);
}
