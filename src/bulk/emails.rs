//! Where the email addresses a run moved are, as its earlier rows left
//! them (`edit --from`, `undo` of an edit run). A row is decided against
//! the database as the earlier rows left it; within a batch, and in a dry
//! run, which writes nothing, the database does not show those moves yet,
//! so they are kept here: only the addresses the run's own rows gave or
//! freed. A real run keeps one batch's moves (a committed batch's are in
//! the database, which also shows what other programs did since), so its
//! memory stays flat; a dry run keeps the whole run's, so its memory grows
//! with the emails it would change, not its length.

use std::collections::HashMap;

/// The addresses a run's rows moved: who holds each now, and who gave up
/// which. Keys are normalised as `validate::email` stores an address.
#[derive(Debug, Default)]
pub(crate) struct EmailMoves {
    /// Address → the customer holding it after an earlier row, and that
    /// row's line (0 where there are no lines: undo).
    given: HashMap<String, (i64, u64)>,
    /// Address → the customer an earlier row took it from.
    freed: HashMap<String, i64>,
}

/// An address as stored, normalised as `validate::email` would store it
/// (other programs may have stored it in another case, or one it refuses).
pub(crate) fn normalised(stored: &str) -> String {
    crate::validate::email(stored).unwrap_or_else(|_| crate::text::fold_case(stored))
}

impl EmailMoves {
    /// Customer `id` holds `email` after row `line` (given it, or left
    /// with it as it asked).
    pub(crate) fn give(&mut self, email: &str, id: i64, line: u64) {
        self.given.insert(email.to_string(), (id, line));
    }

    /// Customer `id` gave up `stored` (its address as stored) for another
    /// one.
    pub(crate) fn free(&mut self, stored: &str, id: i64) {
        let email = normalised(stored);
        if self
            .given
            .get(&email)
            .is_some_and(|&(holder, _)| holder == id)
        {
            self.given.remove(&email);
        }
        self.freed.insert(email, id);
    }

    /// The customer (and line) an earlier row gave `email` to.
    pub(crate) fn given(&self, email: &str) -> Option<(i64, u64)> {
        self.given.get(email).copied()
    }

    /// The customer an earlier row took `email` from.
    pub(crate) fn freed_by(&self, email: &str) -> Option<i64> {
        self.freed.get(email).copied()
    }

    /// Who holds `email` as the earlier rows left it: `Some(Some(id))` a
    /// row gave it to `id`, `Some(None)` a row freed it and none took it
    /// since, `None` no row moved it (the database knows).
    pub(crate) fn holder(&self, email: &str) -> Option<Option<i64>> {
        match (self.given(email), self.freed_by(email)) {
            (Some((id, _)), _) => Some(Some(id)),
            (None, Some(_)) => Some(None),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_freed_then_given_is_held() {
        let mut moves = EmailMoves::default();
        assert_eq!(moves.holder("a@example.com"), None);
        moves.free("A@Example.com", 1);
        moves.give("b@example.com", 1, 2);
        assert_eq!(moves.holder("a@example.com"), Some(None));
        assert_eq!(moves.freed_by("a@example.com"), Some(1));
        moves.give("a@example.com", 2, 3);
        assert_eq!(moves.holder("a@example.com"), Some(Some(2)));
        assert_eq!(moves.given("a@example.com"), Some((2, 3)));
        assert_eq!(moves.holder("b@example.com"), Some(Some(1)));
    }
}
