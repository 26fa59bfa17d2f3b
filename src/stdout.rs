//! Standard output, with its write errors marked as standard output's, so
//! that one failed write — a full disk (`>/dev/full`), an I/O error — maps
//! to exit 9 wherever it surfaces (contract "Exit codes": the command did its
//! work but a record outside the database could not be written), while any
//! other I/O error keeps its own meaning. A reader that stops early (`| head`,
//! `EPIPE`) is not an error at all ([`crate::error::Error::is_broken_pipe`]).
//!
//! Every write to stdout goes through [`stdout`] (or a [`Marked`] writer
//! around a lock of it), never `std::io::stdout()` directly.

use std::io::{StdoutLock, Write};

/// The mark on an `io::Error` that came from writing standard output; the
/// error's kind is the original one (`BrokenPipe`, `StorageFull`, …).
#[derive(Debug)]
pub struct StdoutFailed(pub std::io::Error);

impl std::fmt::Display for StdoutFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for StdoutFailed {}

/// Marks `e` as standard output's (once).
pub fn mark(e: std::io::Error) -> std::io::Error {
    if is_marked(&e) {
        return e;
    }
    std::io::Error::new(e.kind(), StdoutFailed(e))
}

/// True when `e` came from writing standard output.
pub fn is_marked(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<StdoutFailed>())
}

/// A writer whose errors are marked as standard output's.
pub struct Marked<W: Write>(pub W);

impl<W: Write> Write for Marked<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).map_err(mark)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().map_err(mark)
    }
}

/// Standard output (line-buffered as Rust's), errors marked.
pub struct Stdout;

/// Standard output, errors marked ([`Stdout`]).
pub fn stdout() -> Stdout {
    Stdout
}

impl Stdout {
    /// The lock of standard output, errors marked.
    pub fn lock(&self) -> Marked<StdoutLock<'static>> {
        Marked(std::io::stdout().lock())
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::io::stdout().write(buf).map_err(mark)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().flush().map_err(mark)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_keep_the_kind_and_are_found_once() {
        let e = mark(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
        assert!(is_marked(&e));
        let twice = mark(e);
        assert!(twice
            .get_ref()
            .and_then(|r| r.downcast_ref::<StdoutFailed>())
            .is_some_and(|inner| !is_marked(&inner.0)));
        assert!(!is_marked(&std::io::Error::from(
            std::io::ErrorKind::NotFound
        )));
    }
}
