//! A `JoinSet` with a bound on the number of running tasks.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::{AbortHandle, JoinError, JoinSet};

use crate::observe::{Observer, SharedObserver};
use crate::permit::{acquire, assert_limit};

/// A [`JoinSet`] that runs at most `limit` of its tasks at a time.
///
/// There are two ways in, and neither has to be remembered to be awaited:
///
/// * [`spawn_when_free`](Self::spawn_when_free)`(task).await` waits for a
///   free slot *before* it spawns, so a loop that spawns one task per input
///   item is throttled by the set: at most `limit` tasks exist at once and
///   the input is not read ahead. Use it for large or unbounded inputs. It
///   has a name of its own, so it cannot be mistaken for [`JoinSet::spawn`],
///   and its future is `#[must_use]`.
/// * [`spawn`](Self::spawn)`(task)` is synchronous, like [`JoinSet::spawn`]:
///   the task is in the set when it returns, and it waits for a slot inside
///   the set before `task` is first polled. At most `limit` tasks *run* at
///   once, but the loop is not held back, so every spawned task (and its
///   future) is in memory until it ends. Use it for inputs that are bounded
///   anyway, or where the caller cannot wait.
///
/// A slot is freed as soon as a task finishes or is aborted (even while it
/// is still waiting for a slot), whether or not its output has been joined.
/// Slots are handed out in the order tasks and callers started waiting.
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
///     set.spawn_when_free(async move { id * 2 }).await;
/// }
/// // Spawns at once; the task runs when one of the 8 slots frees up.
/// set.spawn(async { 0 });
/// let outputs = set.join_all().await;
/// assert_eq!(outputs.len(), 101);
/// # }
/// ```
///
/// Forgetting `.await` on `spawn_when_free` is a compile error under
/// `#![deny(unused_must_use)]` (and a warning otherwise), instead of a task
/// that silently never runs:
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let mut set = loopguard_shim::BoundedJoinSet::new(8);
/// set.spawn_when_free(async {}); // error: unused return value that must be used
/// # }
/// ```
///
/// `let _ = set.spawn_when_free(..);` silences that lint, as it does for
/// any future; Clippy's `let_underscore_future` (on by default) reports it.
/// [`spawn`](Self::spawn) is the one to discard freely: `let _ =
/// set.spawn(task);` spawns the task. Code written for the earlier `async`
/// `spawn` (`set.spawn(task).await`) no longer compiles, because an
/// [`AbortHandle`] is not a future:
///
/// ```compile_fail,E0277
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let mut set = loopguard_shim::BoundedJoinSet::new(8);
/// set.spawn(async {}).await; // error[E0277]: `AbortHandle` is not a future
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
    /// If `limit` is 0 (no task would ever start) or larger than
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

    /// Reports the time a task or a caller waits for a slot to `observer`
    /// (see [`Observer::permit_wait`]).
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = SharedObserver(observer);
        self
    }

    /// Spawns `task` into the set now, without waiting; it starts running
    /// once fewer than `limit` tasks of the set are running.
    ///
    /// The drop-in for [`JoinSet::spawn`]: synchronous, and the returned
    /// handle may be ignored. The bound applies to running tasks only, so a
    /// loop that spawns this way is not throttled and every queued task stays
    /// in memory; prefer [`spawn_when_free`](Self::spawn_when_free) for large
    /// inputs. A queued task that is aborted (or the set dropped) never
    /// polls `task`.
    ///
    /// # Panics
    ///
    /// If called outside a Tokio runtime.
    #[track_caller]
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        if let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() {
            return self.spawn_with(permit, task);
        }
        let permits = Arc::clone(&self.permits);
        let observer = self.observer.clone();
        self.set.spawn(async move {
            let _permit = acquire(&permits, &observer).await;
            task.await
        })
    }

    /// Waits until fewer than `limit` tasks are running, then spawns `task`
    /// on the current runtime and returns its handle.
    ///
    /// This is how a loop over a large input is throttled: the loop itself
    /// waits, so no more than `limit` tasks exist at once. The returned future
    /// does nothing unless awaited.
    ///
    /// Cancel safety: if the returned future is dropped while waiting, `task`
    /// is dropped without ever running.
    ///
    /// # Panics
    ///
    /// If awaited outside a Tokio runtime.
    // Not an `async fn`: `#[must_use]` on an `async fn` applies to its output,
    // and it is the future that must not be dropped.
    #[allow(clippy::manual_async_fn)]
    #[must_use = "`spawn_when_free` does nothing unless `.await`ed; use `spawn` to spawn without waiting"]
    pub fn spawn_when_free<F>(&mut self, task: F) -> impl Future<Output = AbortHandle> + Send + '_
    where
        F: Future<Output = T> + Send + 'static,
    {
        async move {
            let permit = acquire(&self.permits, &self.observer).await;
            self.spawn_with(permit, task)
        }
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

    #[track_caller]
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

    /// Number of tasks in the set, including tasks [`spawn`](Self::spawn)ed
    /// but still waiting for a slot and finished ones whose output has not
    /// been joined yet (so it can exceed the limit).
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether the set holds no tasks.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Number of free slots: tasks that could start right now without
    /// waiting.
    pub fn available_permits(&self) -> usize {
        self.permits.available_permits()
    }
}
