//! Records of up to a few MiB pass through the server as buffers of their own size (the record,
//! its JSON frame, the socket's copy). glibc serves an allocation that large from `mmap` and
//! gives it back on free, until the first such free: then it raises its threshold to that size
//! and keeps later ones in its arenas, where freed memory stays with the process. Measured with
//! 300 records of 1 MiB past a stalled socket (the trust test's budget case, Apache Kafka 4.4,
//! 2 cores): the server peaked 81-147 MiB above idle with the moving threshold, 54-57 MiB with it
//! held at 256 KiB, whatever else ran beside it.

/// Keeps allocations of 256 KiB and more on `mmap`, so a burst of large records leaves nothing
/// behind. Call it before the server starts its work.
pub fn return_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; any thread may call it at any time.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}
