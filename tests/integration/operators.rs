//! Tests: operators.
