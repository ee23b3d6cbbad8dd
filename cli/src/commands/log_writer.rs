//! Where `hisgate serve` writes its log: stderr through a buffer, flushed by a thread of its own every
//! [`FLUSH_EVERY`] and at once for a warning or an error. Unbuffered, every request's line was a `write(2)` on the
//! request's path (on a file, an ext4 write each); buffered, one write carries many lines. What a crash can lose is
//! at most the last [`FLUSH_EVERY`] of info lines: warnings and errors are written before the call returns.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// How long an info line may wait in the buffer.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// The buffer's size: a full buffer is written at once, whatever the time.
const CAPACITY: usize = 64 * 1024;

/// A writer (stderr) behind a shared buffer. Clones share it.
pub struct Buffered<W: Write + Send + 'static> {
    buffer: Arc<Mutex<io::BufWriter<W>>>,
    every_line: bool,
}

impl<W: Write + Send + 'static> Clone for Buffered<W> {
    fn clone(&self) -> Self {
        Buffered { buffer: self.buffer.clone(), every_line: self.every_line }
    }
}

impl<W: Write + Send + 'static> Buffered<W> {
    /// The buffer and the thread that flushes it; the thread ends when the last clone is dropped.
    pub fn start(inner: W) -> Buffered<W> {
        let buffer = Arc::new(Mutex::new(io::BufWriter::with_capacity(CAPACITY, inner)));
        let flushed = Arc::downgrade(&buffer);
        let spawned = std::thread::Builder::new().name("hisgate-log".into()).spawn(move || {
            while let Some(buffer) = flushed.upgrade() {
                let _ = lock(&buffer).flush();
                drop(buffer);
                std::thread::sleep(FLUSH_EVERY);
            }
        });
        // Without the thread nothing would flush an info line: then every line is written as it comes.
        Buffered { buffer, every_line: spawned.is_err() }
    }

    /// Writes out what is buffered (before the process exits).
    pub fn flush(&self) {
        let _ = lock(&self.buffer).flush();
    }
}

/// A poisoned lock only means a writer panicked mid-line: the buffer is still a buffer.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One event's writer: the formatter writes a line in pieces, so the buffer is locked once for the line.
pub struct Line<'a, W: Write> {
    buffer: MutexGuard<'a, io::BufWriter<W>>,
    urgent: bool,
}

impl<W: Write> Write for Line<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.buffer.flush()
    }
}

impl<W: Write> Drop for Line<'_, W> {
    fn drop(&mut self) {
        if self.urgent {
            let _ = self.buffer.flush();
        }
    }
}

impl<'a, W: Write + Send + 'static> MakeWriter<'a> for Buffered<W> {
    type Writer = Line<'a, W>;

    fn make_writer(&'a self) -> Line<'a, W> {
        Line { buffer: lock(&self.buffer), urgent: true }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Line<'a, W> {
        Line { buffer: lock(&self.buffer), urgent: self.every_line || *meta.level() <= Level::WARN }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink the test can read.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Sink {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    #[test]
    fn info_waits_for_the_flush_a_warning_does_not() {
        let sink = Sink::default();
        let writer = Buffered::start(sink.clone());
        let subscriber = tracing_subscriber::fmt().with_writer(writer.clone()).with_ansi(false).finish();
        tracing::subscriber::with_default(subscriber, || {
            // The flushing thread runs every 100 ms: an info line may be written by it, so it is looked at at
            // once; a warning must be there when the call returns.
            tracing::info!("first line");
            let right_after_info = sink.text();
            tracing::warn!("second line");
            let right_after_warning = sink.text();
            assert!(right_after_warning.contains("first line") && right_after_warning.contains("second line"));
            if right_after_info.contains("first line") {
                // The thread flushed in between; nothing to tell apart this time, but nothing lost either.
                return;
            }
            assert!(right_after_info.is_empty(), "{right_after_info}");
        });
        tracing::subscriber::with_default(
            tracing_subscriber::fmt().with_writer(writer.clone()).with_ansi(false).finish(),
            || tracing::info!("third line"),
        );
        let waited = std::time::Instant::now();
        while !sink.text().contains("third line") {
            assert!(waited.elapsed() < FLUSH_EVERY * 20, "an info line was never flushed");
            std::thread::sleep(FLUSH_EVERY / 4);
        }
    }
}
