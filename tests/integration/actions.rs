//! Tests: actions.
