//! The progress bar of large runs: on stderr, only when stderr is a terminal,
//! so scripts and logs never see it.

use std::io::IsTerminal;

/// Runs at least this large get a bar.
const MIN_ITEMS_FOR_BAR: usize = 2_000;

/// A progress bar that may be absent.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// A bar for `total` items when that is worth showing and a person watches.
    pub fn new(total: usize, action: &str) -> Self {
        if total < MIN_ITEMS_FOR_BAR || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new(total as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} ({eta} left)")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(action.to_string());
        Progress(Some(bar))
    }

    /// `n` more items done.
    pub fn advance(&self, n: usize) {
        if let Some(bar) = &self.0 {
            bar.inc(n as u64);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
