//! The customers a filter matched when a PostgreSQL run started, read by
//! one statement into an unlinked spool file (8 bytes an id, in id order)
//! and handed back a batch at a time ([`MatchSpool`]).
//!
//! Why: paging by id (`WHERE id > last … ORDER BY id LIMIT n`) walks the
//! primary key from each page's start until the page is full, so a filter
//! that matches 1 % of the table walks the whole table once per run in
//! short steps, the customers who do not match included. At 10,000,000
//! customers a 100,000-customer `--last-login-before` deactivation spent
//! 16.7 s of its 63 s in 89 such page queries (load 11, bench/RESULTS.md);
//! one statement lets the planner read the filter's own indexes once.
//! Memory stays flat: the ids are on disk, not in memory.
//!
//! Each batch is still checked again under its lock
//! ([`crate::db::filter::still_matching`]). When a spool is done the
//! engine spools again after its last id, until one comes back empty, so
//! customers other programs make match while the run goes on are reached
//! as with paging (the `--max-changes` hard cap).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, Write};

use crate::db::filter::{self, Filters};
use crate::db::DbConn;
use crate::error::Result;

/// The matching ids, spooled; read back with [`MatchSpool::next_page`].
pub(super) struct MatchSpool {
    reader: BufReader<File>,
    /// The largest id spooled (`None`: nothing matched).
    pub(super) last: Option<i64>,
}

impl MatchSpool {
    /// Runs the filter's one query (ids greater than `after`) and spools
    /// every id it returns.
    pub(super) fn collect(conn: &mut DbConn, f: &Filters, after: i64) -> Result<MatchSpool> {
        let mut file = super::report::spool_file()?;
        let mut last = None;
        {
            let mut out = BufWriter::new(&mut file);
            filter::for_each_matching_id(conn, f, after, &mut |id| {
                out.write_all(&id.to_le_bytes())?;
                last = Some(id);
                Ok(())
            })?;
            out.flush()?;
        }
        file.rewind()?;
        Ok(MatchSpool {
            reader: BufReader::new(file),
            last,
        })
    }

    /// The next `n` ids (fewer at the end; none when all were read).
    pub(super) fn next_page(&mut self, n: usize) -> Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(n);
        let mut buf = [0u8; 8];
        while ids.len() < n {
            match self.reader.read_exact(&mut buf) {
                Ok(()) => ids.push(i64::from_le_bytes(buf)),
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(ids)
    }
}
