//! Connection pools over [`deadpool`] that cannot be built without timeouts.
//!
//! `deadpool`'s `Pool::get()` waits forever by default: when the backend
//! hangs, or every object is checked out and leaked, callers queue up without
//! limit. [`build_pool`] takes every timeout as a required argument, so the
//! worst case of a checkout is known.
//!
//! Needs the `pool` feature (it brings in deadpool).

use std::sync::Arc;
use std::time::Duration;

pub use deadpool::managed::{
    BuildError, Manager, Metrics, Object, PoolError, RecycleError, RecycleResult, TimeoutType,
};
pub use deadpool::Status;

use crate::observe::{Observer, PoolStage, SharedObserver};
use crate::permit::assert_limit;

/// The three timeouts of a checkout; all required.
///
/// A zero `wait` means "fail at once when the pool is exhausted" rather than
/// "no timeout".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolTimeouts {
    /// Longest wait for a free slot when all `max_size` objects are out.
    pub wait: Duration,
    /// Longest time to create a new object (connect, handshake, log in).
    pub create: Duration,
    /// Longest time to recycle (health-check) an idle object before reuse.
    pub recycle: Duration,
}

/// Builds a pool of at most `max_size` objects made by `manager`, with every
/// timeout set and the Tokio runtime selected.
///
/// # Errors
///
/// Whatever [`deadpool::managed::PoolBuilder::build`] reports.
///
/// # Panics
///
/// If `max_size` is 0, since every checkout would then just time out.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use loopguard_shim::pool::{build_pool, Manager, Metrics, PoolTimeouts, RecycleResult};
///
/// struct Counter;
///
/// impl Manager for Counter {
///     type Type = u32;
///     type Error = std::convert::Infallible;
///
///     async fn create(&self) -> Result<u32, Self::Error> {
///         Ok(0)
///     }
///
///     async fn recycle(&self, _: &mut u32, _: &Metrics) -> RecycleResult<Self::Error> {
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let pool = build_pool(
///     Counter,
///     16,
///     PoolTimeouts {
///         wait: Duration::from_secs(2),
///         create: Duration::from_secs(5),
///         recycle: Duration::from_secs(1),
///     },
/// )
/// .unwrap();
/// let mut conn = pool.get().await.unwrap();
/// *conn += 1;
/// # }
/// ```
#[track_caller]
pub fn build_pool<M: Manager>(
    manager: M,
    max_size: usize,
    timeouts: PoolTimeouts,
) -> Result<Pool<M>, BuildError> {
    assert_limit(max_size);
    let inner = deadpool::managed::Pool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(timeouts.wait))
        .create_timeout(Some(timeouts.create))
        .recycle_timeout(Some(timeouts.recycle))
        .runtime(deadpool::Runtime::Tokio1)
        .build()?;
    Ok(Pool {
        inner,
        observer: SharedObserver::default(),
    })
}

/// A pool returned by [`build_pool`]: a [`deadpool::managed::Pool`] whose
/// timeouts are reported to an [`Observer`]. Clones share the same objects.
pub struct Pool<M: Manager> {
    inner: deadpool::managed::Pool<M>,
    observer: SharedObserver,
}

impl<M: Manager> std::fmt::Debug for Pool<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("status", &self.status())
            .finish()
    }
}

impl<M: Manager> Clone for Pool<M> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            observer: self.observer.clone(),
        }
    }
}

impl<M: Manager> Pool<M> {
    /// Reports every checkout timeout to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = SharedObserver(observer);
        self
    }

    /// Checks out an object, waiting at most the configured timeouts.
    ///
    /// # Errors
    ///
    /// [`PoolError::Timeout`] when a timeout ran out, and the other
    /// [`PoolError`]s as `deadpool` reports them.
    pub async fn get(&self) -> Result<Object<M>, PoolError<M::Error>> {
        let result = self.inner.get().await;
        if let Err(PoolError::Timeout(kind)) = &result {
            self.observer.pool_timeout(match kind {
                TimeoutType::Wait => PoolStage::Wait,
                TimeoutType::Create => PoolStage::Create,
                TimeoutType::Recycle => PoolStage::Recycle,
            });
        }
        result
    }

    /// Sizes and occupancy of the pool, for metrics.
    pub fn status(&self) -> Status {
        self.inner.status()
    }

    /// Closes the pool: waiting and future checkouts fail with
    /// [`PoolError::Closed`], and objects are dropped as they come back.
    pub fn close(&self) {
        self.inner.close();
    }

    /// The underlying `deadpool` pool, for what this wrapper does not expose
    /// (resizing, retaining, metrics). Its `get` does not report to the
    /// observer.
    pub fn as_deadpool(&self) -> &deadpool::managed::Pool<M> {
        &self.inner
    }
}
