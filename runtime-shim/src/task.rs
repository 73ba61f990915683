//! Tracked Tokio tasks with graceful shutdown.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::task::{AbortHandle, JoinHandle};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Owns background tasks so that none is fire-and-forget: every task is
/// tracked, sees one [`CancellationToken`], and is waited for (then aborted,
/// if it overstays) on [`shutdown`](Self::shutdown).
///
/// Built on `tokio-util`'s [`TaskTracker`] and [`CancellationToken`]; clones
/// share the same tasks and token.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let tasks = loopguard_shim::TaskSupervisor::new();
/// tasks.spawn_with_token(|stop| async move {
///     loop {
///         tokio::select! {
///             _ = stop.cancelled() => break,
///             _ = tokio::time::sleep(Duration::from_secs(1)) => { /* poll something */ }
///         }
///     }
/// });
/// let report = tasks.shutdown(Duration::from_secs(5)).await;
/// assert_eq!(report.aborted, 0);
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct TaskSupervisor {
    token: CancellationToken,
    tracker: TaskTracker,
    handles: Arc<Mutex<Handles>>,
}

#[derive(Debug, Default)]
struct Handles {
    // Tasks that may still be running; finished ones are pruned on each spawn
    // so this stays proportional to the live tasks.
    live: Vec<AbortHandle>,
    // Set once the grace period has run out, so a task spawned during the
    // final wait is aborted too instead of keeping shutdown waiting forever.
    aborting: bool,
}

/// What [`TaskSupervisor::shutdown`] had to do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskReport {
    /// Tasks still running when the grace period ran out, which were aborted.
    pub aborted: usize,
}

impl TaskSupervisor {
    /// A supervisor with no tasks.
    pub fn new() -> Self {
        Self::default()
    }

    /// The token cancelled on shutdown; pass clones (or
    /// [`child_token`](CancellationToken::child_token)s) to work that should
    /// stop with the supervisor.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Spawns a tracked task on the current runtime.
    ///
    /// # Panics
    ///
    /// If called outside a Tokio runtime.
    pub fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = self.tracker.spawn(task);
        let mut handles = self.handles();
        if handles.aborting {
            handle.abort();
        } else {
            handles.live.retain(|h| !h.is_finished());
            handles.live.push(handle.abort_handle());
        }
        handle
    }

    /// Spawns a tracked task built from a clone of the shutdown token, for
    /// tasks that stop cooperatively (finishing the current item, flushing)
    /// instead of being aborted mid-way.
    ///
    /// # Panics
    ///
    /// If called outside a Tokio runtime.
    pub fn spawn_with_token<F, Fut>(&self, make_task: F) -> JoinHandle<Fut::Output>
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        self.spawn(make_task(self.token.clone()))
    }

    /// Number of tracked tasks that have not finished.
    pub fn len(&self) -> usize {
        self.tracker.len()
    }

    /// Whether every tracked task has finished.
    pub fn is_empty(&self) -> bool {
        self.tracker.is_empty()
    }

    /// Cancels the token, waits up to `grace` for the tasks to finish, then
    /// aborts the rest and waits for them to unwind.
    ///
    /// Tasks spawned after shutdown has started are tracked and waited for
    /// too, and aborted at once if the grace period is over.
    pub async fn shutdown(&self, grace: Duration) -> TaskReport {
        self.token.cancel();
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_ok()
        {
            return TaskReport::default();
        }
        let aborted = {
            let mut handles = self.handles();
            handles.aborting = true;
            let live = std::mem::take(&mut handles.live);
            live.iter()
                .filter(|h| !h.is_finished())
                .map(AbortHandle::abort)
                .count()
        };
        self.tracker.wait().await;
        TaskReport { aborted }
    }

    fn handles(&self) -> MutexGuard<'_, Handles> {
        // The list stays consistent even if a holder panicked.
        self.handles.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
