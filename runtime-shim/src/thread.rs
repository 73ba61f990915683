//! Named OS threads with a stop signal and a bounded join.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long dropping a [`ThreadSupervisor`] waits for its threads.
pub const DROP_GRACE: Duration = Duration::from_secs(5);

/// The stop signal handed to every managed thread.
///
/// A thread's loop should check [`is_stopped`](Self::is_stopped), and sleep
/// with [`wait_timeout`](Self::wait_timeout) instead of
/// [`std::thread::sleep`], so that a stop request interrupts the sleep.
#[derive(Clone, Debug, Default)]
pub struct StopToken(Arc<StopState>);

#[derive(Debug, Default)]
struct StopState {
    stopped: Mutex<bool>,
    changed: Condvar,
}

impl StopToken {
    /// A token that has not been stopped.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every holder of this token to stop.
    pub fn stop(&self) {
        *lock(&self.0.stopped) = true;
        self.0.changed.notify_all();
    }

    /// Whether [`stop`](Self::stop) has been called.
    pub fn is_stopped(&self) -> bool {
        *lock(&self.0.stopped)
    }

    /// Sleeps for up to `timeout`, waking early on a stop request; returns
    /// whether the token is stopped.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let guard = lock(&self.0.stopped);
        let (guard, _) = self
            .0
            .changed
            .wait_timeout_while(guard, timeout, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        *guard
    }
}

/// Locks a mutex whose data stays valid even if a holder panicked (plain
/// flags and lists), so one panicking thread cannot wedge shutdown.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What became of the managed threads at shutdown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThreadReport {
    /// Threads that returned normally.
    pub stopped: Vec<String>,
    /// Threads that panicked.
    pub panicked: Vec<String>,
    /// Threads still running when the grace period ran out. They are left
    /// detached, since a thread cannot be killed.
    pub still_running: Vec<String>,
}

impl ThreadReport {
    /// Whether every thread finished (normally or by panicking) in time.
    pub fn all_stopped(&self) -> bool {
        self.still_running.is_empty()
    }
}

struct Managed {
    name: String,
    handle: JoinHandle<()>,
    finished: Arc<AtomicBool>,
}

/// Sets the thread's finished flag even when it unwinds, so shutdown can tell
/// a thread that is done from one that is stuck without a timed join (which
/// `std` does not have).
struct FinishGuard {
    finished: Arc<AtomicBool>,
    exits: Arc<(Mutex<()>, Condvar)>,
}

impl Drop for FinishGuard {
    fn drop(&mut self) {
        let _guard = lock(&self.exits.0);
        self.finished.store(true, Ordering::Release);
        self.exits.1.notify_all();
    }
}

/// Owns a group of named threads that share one [`StopToken`].
///
/// Replaces bare `std::thread::spawn` for long-running workers: every thread
/// has a name (it shows up in debuggers, panics and `top -H`), is told to
/// stop, and is joined with a bounded wait on [`shutdown`](Self::shutdown) or
/// on drop (waiting [`DROP_GRACE`]), so no worker outlives its owner silently.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let workers = loopguard_shim::ThreadSupervisor::new();
/// workers
///     .spawn_managed("flusher", |stop| {
///         while !stop.wait_timeout(Duration::from_millis(10)) {
///             // flush a buffer
///         }
///     })
///     .unwrap();
/// let report = workers.shutdown(Duration::from_secs(1));
/// assert_eq!(report.stopped, vec!["flusher".to_string()]);
/// ```
pub struct ThreadSupervisor {
    stop: StopToken,
    threads: Mutex<Vec<Managed>>,
    exits: Arc<(Mutex<()>, Condvar)>,
}

impl Default for ThreadSupervisor {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ThreadSupervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = lock(&self.threads).iter().map(|t| t.name.clone()).collect();
        f.debug_struct("ThreadSupervisor")
            .field("threads", &names)
            .field("stopped", &self.stop.is_stopped())
            .finish()
    }
}

impl ThreadSupervisor {
    /// An empty supervisor.
    pub fn new() -> Self {
        Self {
            stop: StopToken::new(),
            threads: Mutex::new(Vec::new()),
            exits: Arc::new((Mutex::new(()), Condvar::new())),
        }
    }

    /// Starts a thread called `name` that runs `f` with the shared stop token.
    ///
    /// # Errors
    ///
    /// If the OS refuses to create the thread.
    pub fn spawn_managed<F>(&self, name: impl Into<String>, f: F) -> io::Result<()>
    where
        F: FnOnce(StopToken) + Send + 'static,
    {
        let name = name.into();
        let token = self.stop.clone();
        let finished = Arc::new(AtomicBool::new(false));
        let guard = FinishGuard {
            finished: Arc::clone(&finished),
            exits: Arc::clone(&self.exits),
        };
        let handle = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                let _guard = guard;
                f(token);
            })?;
        lock(&self.threads).push(Managed {
            name,
            handle,
            finished,
        });
        Ok(())
    }

    /// The token the managed threads watch; stopping it asks them all to stop.
    pub fn stop_token(&self) -> StopToken {
        self.stop.clone()
    }

    /// Signals stop and waits up to `grace` in total for the threads to end.
    pub fn shutdown(self, grace: Duration) -> ThreadReport {
        self.stop_and_join(grace)
    }

    fn stop_and_join(&self, grace: Duration) -> ThreadReport {
        self.stop.stop();
        let threads = std::mem::take(&mut *lock(&self.threads));
        let deadline = Instant::now() + grace;
        let mut exits = lock(&self.exits.0);
        while threads.iter().any(|t| !t.finished.load(Ordering::Acquire)) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            exits = self
                .exits
                .1
                .wait_timeout(exits, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        drop(exits);

        let mut report = ThreadReport::default();
        for thread in threads {
            if !thread.finished.load(Ordering::Acquire) {
                report.still_running.push(thread.name);
            } else if thread.handle.join().is_ok() {
                report.stopped.push(thread.name);
            } else {
                report.panicked.push(thread.name);
            }
        }
        report
    }
}

impl Drop for ThreadSupervisor {
    fn drop(&mut self) {
        if lock(&self.threads).is_empty() {
            return;
        }
        let report = self.stop_and_join(DROP_GRACE);
        if !report.all_stopped() {
            tracing::warn!(
                threads = ?report.still_running,
                "loopguard-shim: threads did not stop within {DROP_GRACE:?} of their supervisor being dropped"
            );
        }
    }
}
