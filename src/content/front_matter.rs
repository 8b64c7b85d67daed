//! Placeholder: front_matter parsing (being written).
