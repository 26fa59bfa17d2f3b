//! `bulk::read_ids` (`--ids-from FILE`): never panics on any bytes; the ids
//! it returns are positive and read back the same once written one a line;
//! an error names a line that exists and is terminal-safe.
#![no_main]

use std::io::Cursor;

use custadm::bulk::read_ids;
use custadm::text::is_dangerous;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|b| *b == b'\n').count() - usize::from(data.ends_with(b"\n"));
    match read_ids(Cursor::new(data), "ids.txt") {
        Ok(ids) => {
            assert!(ids.iter().all(|id| *id > 0), "{ids:?}");
            assert!(ids.len() <= lines, "{} ids from {lines} lines", ids.len());
            let text: String = ids.iter().map(|id| format!("{id}\n")).collect();
            let again = read_ids(Cursor::new(text.as_bytes()), "again").map_err(|e| e.to_string());
            assert_eq!(again, Ok(ids));
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.chars().any(is_dangerous), "{msg:?}");
            let number: usize = msg
                .strip_prefix("ids.txt line ")
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("error names no line: {msg:?}"));
            assert!(
                (1..=lines).contains(&number),
                "line {number} of {lines}: {msg:?}"
            );
        }
    }
});
