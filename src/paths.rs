//! Paths as settings write them: a leading `~/` is `$HOME`, as in git's
//! config (contract "Databases": any path setting, in a profile, a URL or the
//! environment). A leaf: the configuration, the database layer (URLs, anchor
//! sinks) and the audit key files use it.

use crate::error::{Error, Result};

/// A path setting as written, with a leading `~/` (or a lone `~`) meaning
/// `$HOME`, as in git's config (contract "Databases": any path setting, in a
/// profile, a URL or the environment). `~user/` (another user's home) is
/// not supported: exit 2, nothing written. `$HOME` unset or blank with a
/// `~/` path is exit 2 too. Any other text is returned as it is.
pub(crate) fn expand_home(path: &str) -> Result<String> {
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(path.to_string());
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return Err(Error::Usage(format!(
            "the path {} names another user's home (~user/), which custadm does not expand: write the full path, or ~/ for your own home",
            crate::text::quote_input(path)
        )));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            Error::Usage(format!(
                "the path {} starts with ~/ but HOME is not set: set HOME or write the full path",
                crate::text::quote_input(path)
            ))
        })?;
    let home = home.into_string().map_err(|_| {
        Error::Usage("HOME is not valid UTF-8: write the full path instead of ~/".into())
    })?;
    Ok(format!("{}{rest}", home.trim_end_matches('/')))
}

/// [`expand_home`] for the path setting `setting` (`audit_signing_key`, an
/// `audit_anchor` entry): its errors name the setting and keep their exit
/// code (2: `~user/`, or `~/` without `HOME`; contract "Databases").
pub(crate) fn expand_home_of(setting: &str, path: &str) -> Result<String> {
    expand_home(path).map_err(|e| match e {
        Error::Usage(why) => Error::Usage(format!("{setting}: {why}")),
        other => other,
    })
}
