//! Placeholder: text parsing (being written).
