#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    #[cfg(target_os = "linux")]
    small_pages_only();
    loopguard::cli::main()
}

/// mimalloc asks the kernel for transparent huge pages, which then zeroes (and may first
/// compact memory for) 2 MB at the first touch of each. A run's memory is short-lived: parse
/// trees freed file by file, summaries of a few hundred bytes. With huge pages a cold run of
/// the benchmark corpus took ~10% longer, varied more from run to run, and peaked at ~40% more
/// memory (README, Performance). The kernel checks the setting at each page fault, so it holds
/// for memory mapped before this call too.
#[cfg(target_os = "linux")]
fn small_pages_only() {
    // SAFETY: `PR_SET_THP_DISABLE` reads no memory of ours; on a kernel without it the call
    // fails and nothing changes.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
