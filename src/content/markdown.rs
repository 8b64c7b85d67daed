//! Placeholder: markdown parsing (being written).
