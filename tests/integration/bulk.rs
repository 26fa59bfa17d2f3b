//! Tests: bulk.
