use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use loopguard_shim::pool::{
    build_pool, Manager, Metrics, PoolError, PoolTimeouts, RecycleResult, TimeoutType,
};
use loopguard_shim::{Observer, PoolStage};

#[derive(Debug)]
struct Slow {
    create_delay: Duration,
}

impl Manager for Slow {
    type Type = ();
    type Error = Infallible;

    async fn create(&self) -> Result<(), Infallible> {
        tokio::time::sleep(self.create_delay).await;
        Ok(())
    }

    async fn recycle(&self, _: &mut (), _: &Metrics) -> RecycleResult<Infallible> {
        Ok(())
    }
}

#[derive(Default)]
struct Timeouts(Mutex<Vec<PoolStage>>, AtomicUsize);

impl Observer for Timeouts {
    fn pool_timeout(&self, stage: PoolStage) {
        self.0.lock().unwrap().push(stage);
        self.1.fetch_add(1, Ordering::SeqCst);
    }
}

fn timeouts() -> PoolTimeouts {
    PoolTimeouts {
        wait: Duration::from_millis(100),
        create: Duration::from_millis(500),
        recycle: Duration::from_millis(100),
    }
}

#[tokio::test(start_paused = true)]
async fn exhausted_pool_times_out_instead_of_waiting_forever() {
    let observed = Arc::new(Timeouts::default());
    let pool = build_pool(
        Slow {
            create_delay: Duration::ZERO,
        },
        1,
        timeouts(),
    )
    .unwrap()
    .with_observer(observed.clone());
    let _held = pool.get().await.unwrap();
    let err = pool.get().await.unwrap_err();
    assert!(matches!(err, PoolError::Timeout(TimeoutType::Wait)));
    assert_eq!(*observed.0.lock().unwrap(), vec![PoolStage::Wait]);
}

#[tokio::test(start_paused = true)]
async fn a_hanging_backend_times_out_on_create() {
    let observed = Arc::new(Timeouts::default());
    let pool = build_pool(
        Slow {
            create_delay: Duration::from_secs(3_600),
        },
        4,
        timeouts(),
    )
    .unwrap()
    .with_observer(observed.clone());
    let err = pool.get().await.unwrap_err();
    assert!(matches!(err, PoolError::Timeout(TimeoutType::Create)));
    assert_eq!(*observed.0.lock().unwrap(), vec![PoolStage::Create]);
    assert_eq!(pool.status().max_size, 4);
}

#[test]
#[should_panic(expected = "concurrency limit must be at least 1")]
fn zero_sized_pool_is_rejected() {
    let _ = build_pool(
        Slow {
            create_delay: Duration::ZERO,
        },
        0,
        timeouts(),
    );
}
