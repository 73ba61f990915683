//! A `JoinSet` with a bound on the number of running tasks.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::{AbortHandle, JoinError, JoinSet};

use crate::observe::{Observer, SharedObserver};
use crate::permit::{acquire, assert_limit};

/// A [`JoinSet`] that runs at most `limit` of its tasks at a time.
///
/// [`spawn`](Self::spawn) waits for a free slot *before* it spawns, so a loop
/// that spawns one task per input item is throttled by the set instead of
/// putting every item on the runtime at once. A slot is freed as soon as a
/// task finishes (or is aborted), whether or not its output has been joined.
///
/// Dropping the set aborts every task in it, as with [`JoinSet`].
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let mut set = loopguard_shim::BoundedJoinSet::new(8);
/// for id in 0..100u32 {
///     // Waits here while 8 tasks are still running.
///     set.spawn(async move { id * 2 }).await;
/// }
/// let outputs = set.join_all().await;
/// assert_eq!(outputs.len(), 100);
/// # }
/// ```
#[derive(Debug)]
pub struct BoundedJoinSet<T> {
    set: JoinSet<T>,
    permits: Arc<Semaphore>,
    observer: SharedObserver,
}

impl<T: Send + 'static> BoundedJoinSet<T> {
    /// Creates an empty set that runs at most `limit` tasks at once.
    ///
    /// # Panics
    ///
    /// If `limit` is 0 (every `spawn` would wait forever) or larger than
    /// [`Semaphore::MAX_PERMITS`].
    #[track_caller]
    pub fn new(limit: usize) -> Self {
        assert_limit(limit);
        Self {
            set: JoinSet::new(),
            permits: Arc::new(Semaphore::new(limit)),
            observer: SharedObserver::default(),
        }
    }

    /// Reports the time [`spawn`](Self::spawn) waits for a slot to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = SharedObserver(observer);
        self
    }

    /// Waits until fewer than `limit` tasks are running, then spawns `task`
    /// on the current runtime.
    ///
    /// Cancel safety: if the returned future is dropped while waiting, `task`
    /// is dropped without ever running.
    ///
    /// # Panics
    ///
    /// If called outside a Tokio runtime.
    pub async fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let permit = acquire(&self.permits, &self.observer).await;
        self.spawn_with(permit, task)
    }

    /// Spawns `task` if a slot is free right now; otherwise hands it back.
    ///
    /// # Panics
    ///
    /// If called outside a Tokio runtime.
    pub fn try_spawn<F>(&mut self, task: F) -> Result<AbortHandle, F>
    where
        F: Future<Output = T> + Send + 'static,
    {
        match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => Ok(self.spawn_with(permit, task)),
            Err(_) => Err(task),
        }
    }

    fn spawn_with<F>(&mut self, permit: OwnedSemaphorePermit, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        // The permit lives inside the task, so it is released when the task
        // finishes or is aborted, not when someone gets round to joining it.
        self.set.spawn(async move {
            let _permit = permit;
            task.await
        })
    }

    /// Waits for the next task to finish and returns its output, or `None`
    /// when the set is empty. See [`JoinSet::join_next`].
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.set.join_next().await
    }

    /// Waits for every task and returns their outputs in completion order.
    ///
    /// # Panics
    ///
    /// Re-raises the panic of the first task that panicked, after aborting
    /// the others (see [`JoinSet::join_all`]).
    pub async fn join_all(self) -> Vec<T> {
        self.set.join_all().await
    }

    /// Aborts every task and waits until they have all stopped.
    pub async fn shutdown(&mut self) {
        self.set.shutdown().await;
    }

    /// Number of tasks in the set, including finished ones whose output has
    /// not been joined yet (so it can exceed the limit).
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether the set holds no tasks.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Number of tasks that could start right now without waiting.
    pub fn available_permits(&self) -> usize {
        self.permits.available_permits()
    }
}
