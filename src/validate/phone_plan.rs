//! libphonenumber's validity check, as the `phonenumber` crate makes it
//! (`phonenumber::is_valid`: `validator::is_valid_with`, `source_for`,
//! `number_type` over its own metadata), step for step, with one
//! difference: where the crate looks each of the metadata's patterns up in
//! its shared regex cache — a mutex and two SipHash passes over the pattern
//! text, which for the +1 plans is a list of every area code, on every
//! match — the patterns are compiled here once and found by address.
//! `edit --from` validates a phone per row; the lookups were most of that
//! (issue 27: 15 cache lookups a +1 number).
//!
//! What is matched is exactly what the crate matches: the same pattern
//! text, the same regex crate and flags (`ignore_whitespace`, Unicode, the
//! cache's size limits), and the same question — the crate asks whether
//! the leftmost match of the pattern starts at the first digit
//! (`find(value).map(|m| m.start() == 0)`), which is whether any match
//! starts there, so the pattern is compiled anchored (`^(?:…)`). The
//! tests below compare the two on every region's example numbers and
//! thousands of numbers derived from them.

use std::cell::RefCell;
use std::collections::HashMap;

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use phonenumber::PhoneNumber;

/// Patterns kept compiled (the crate's cache keeps 100): a file of numbers
/// from a few countries uses a few dozen; memory stays bounded whatever
/// the file holds.
const CAPACITY: usize = 128;

/// The regex crate's limits as the crate's cache sets them
/// (`regex_cache::Options::default`).
const SIZE_LIMIT: usize = 10 * (1 << 20);
const DFA_SIZE_LIMIT: usize = 2 * (1 << 20);

thread_local! {
    static PATTERNS: RefCell<Patterns> = RefCell::new(Patterns::default());
}

/// Compiled patterns by the address of their `CachedRegex` in the crate's
/// metadata (a static: the addresses do not change), least recently used
/// evicted past [`CAPACITY`]. `None`: the pattern did not compile anchored
/// (never seen with the shipped metadata); the crate's own match is used.
#[derive(Default)]
struct Patterns {
    compiled: HashMap<usize, (u64, Option<regex::Regex>)>,
    tick: u64,
}

impl Patterns {
    /// Whether pattern `source` (at address `key`) matches `value` from its
    /// first character; `crate_match` asks the crate instead.
    fn at_start(
        &mut self,
        key: usize,
        source: &str,
        value: &str,
        crate_match: impl FnOnce() -> bool,
    ) -> bool {
        self.tick += 1;
        let tick = self.tick;
        if let Some((used, re)) = self.compiled.get_mut(&key) {
            *used = tick;
            return match re {
                Some(re) => re.is_match(value),
                None => crate_match(),
            };
        }
        if self.compiled.len() >= CAPACITY {
            let oldest = self
                .compiled
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(k, _)| *k);
            if let Some(oldest) = oldest {
                self.compiled.remove(&oldest);
            }
        }
        // The line break ends a `#` comment (ignore_whitespace mode) before
        // the group closes.
        let re = regex::RegexBuilder::new(&format!("^(?:{source}\n)"))
            .ignore_whitespace(true)
            .size_limit(SIZE_LIMIT)
            .dfa_size_limit(DFA_SIZE_LIMIT)
            .build()
            .ok();
        let matched = match &re {
            Some(re) => re.is_match(value),
            None => crate_match(),
        };
        self.compiled.insert(key, (tick, re));
        matched
    }

    /// `Descriptor::is_match`: a possible length, and the national number
    /// pattern from the first digit.
    fn descriptor(&mut self, d: &Descriptor, value: &str) -> bool {
        let lengths = d.possible_length();
        if !lengths.is_empty() && !lengths.contains(&(value.len() as u16)) {
            return false;
        }
        let re = d.national_number();
        self.at_start(re as *const _ as usize, re.as_str(), value, || {
            re.find(value).is_some_and(|m| m.start() == 0)
        })
    }

    /// `validator::number_type(meta, value) != Type::Unknown`: the general
    /// pattern and the pattern of at least one type.
    fn has_type(&mut self, meta: &Metadata, value: &str) -> bool {
        let d = meta.descriptors();
        if !self.descriptor(d.general(), value) {
            return false;
        }
        [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ]
        .into_iter()
        .flatten()
        .any(|desc| self.descriptor(desc, value))
    }

    /// `validator::source_for` and the metadata `is_valid_with` takes from
    /// it: the only region of the calling code, else the first whose
    /// leading digits (or, without those, whose types) fit.
    fn source_for(&mut self, code: u16, national: &str) -> Option<&'static Metadata> {
        let regions = DATABASE.region(&code)?;
        let by_region = |region: &str| {
            region
                .parse::<phonenumber::country::Id>()
                .ok()
                .and_then(|id| DATABASE.by_id(id.as_ref()))
        };
        if let [only] = regions.as_slice() {
            return if *only == "001" {
                DATABASE.by_code(&code).and_then(|m| m.into_iter().next())
            } else {
                by_region(only)
            };
        }
        for region in regions {
            let meta = DATABASE.by_id(region)?;
            let fits = match meta.leading_digits() {
                Some(re) => self.at_start(re as *const _ as usize, re.as_str(), national, || {
                    re.find(national).is_some_and(|m| m.start() == 0)
                }),
                None => self.has_type(meta, national),
            };
            if fits {
                return by_region(region);
            }
        }
        None
    }
}

/// `phonenumber::is_valid(number)`, answered as the crate answers it (see
/// the module documentation).
pub(crate) fn is_valid(number: &PhoneNumber) -> bool {
    let national = number.national().to_string();
    PATTERNS.with(|p| {
        let mut p = p.borrow_mut();
        p.source_for(number.code().value(), &national)
            .is_some_and(|meta| p.has_type(meta, &national))
    })
}

/// The E.164 form of a number [`is_valid`] accepted: what the crate's
/// `format().mode(Mode::E164)` writes (`+`, the calling code, the national
/// number with its leading zeros), without the national formatting
/// patterns the crate looks up first and does not use for E.164.
pub(crate) fn e164(number: &PhoneNumber) -> String {
    format!("+{}{}", number.code().value(), number.national())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every region's example numbers and numbers derived from them (each
    /// digit changed, a digit dropped or added, the national prefix put
    /// in front), parsed as `+CODE NATIONAL`: the same validity as the
    /// crate, and the same E.164 for the valid ones.
    #[test]
    fn the_same_answers_as_the_crate() {
        let mut checked = 0;
        let mut valid = 0;
        let mut metas: Vec<&Metadata> = DATABASE.iter().collect();
        metas.sort_by_key(|m| m.id().to_string());
        for meta in metas {
            let d = meta.descriptors();
            let examples = [
                Some(d.general()),
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.shared_cost(),
                d.personal_number(),
                d.voip(),
                d.pager(),
                d.uan(),
                d.voicemail(),
            ]
            .into_iter()
            .flatten()
            .filter_map(Descriptor::example);
            for example in examples {
                let mut nationals = vec![example.to_string()];
                for (i, c) in example.char_indices() {
                    let digit = c.to_digit(10).unwrap_or(0);
                    for other in [(digit + 1) % 10, (digit + 5) % 10] {
                        let mut s = example.to_string();
                        s.replace_range(i..i + 1, &other.to_string());
                        nationals.push(s);
                    }
                    let mut shorter = example.to_string();
                    shorter.remove(i);
                    nationals.push(shorter);
                }
                nationals.push(format!("{example}0"));
                nationals.push(format!("{example}9"));
                if let Some(prefix) = meta.national_prefix() {
                    nationals.push(format!("{prefix}{example}"));
                }
                for national in nationals {
                    let input = format!("+{} {national}", meta.country_code());
                    let Ok(number) = phonenumber::parse(None, &input) else {
                        continue;
                    };
                    let theirs = number.is_valid();
                    assert_eq!(is_valid(&number), theirs, "{input}");
                    if theirs {
                        valid += 1;
                        assert_eq!(
                            e164(&number),
                            number.format().mode(phonenumber::Mode::E164).to_string(),
                            "{input}"
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 20_000, "{checked}");
        assert!(valid > 5_000, "{valid}");
    }

    /// Past the capacity the least recently used pattern goes, and the
    /// answers stay the same.
    #[test]
    fn bounded() {
        for meta in DATABASE.iter() {
            if let Some(example) = meta.descriptors().general().example() {
                let input = format!("+{} {example}", meta.country_code());
                if let Ok(number) = phonenumber::parse(None, &input) {
                    assert_eq!(is_valid(&number), number.is_valid(), "{input}");
                }
            }
            PATTERNS.with(|p| assert!(p.borrow().compiled.len() <= CAPACITY));
        }
    }
}
